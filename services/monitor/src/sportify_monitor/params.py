"""Parsing of query values the monitor accepts. Pure."""

from __future__ import annotations

from uuid import UUID

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


class ParamError(ValueError):
    """A query or path value is malformed; the message is a sentence for the caller."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def parse_flag(name: str, value: str | None) -> bool:
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ParamError(name, f"{name} must be true or false, got {value[:40]!r}")


def parse_uuid(name: str, value: str) -> UUID:
    try:
        if len(value) > 64 or not value.isascii():  # UUID() takes other scripts' digits
            raise ValueError(value)
        return UUID(value)
    except ValueError as exc:
        raise ParamError(name, f"{name} must be a UUID, got {value[:40]!r}") from exc
