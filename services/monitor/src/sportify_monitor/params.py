"""Parsing of query values the monitor accepts. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
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


def parse_instant(name: str, value: str | None) -> datetime | None:
    """An ISO-8601 instant (`2026-03-01T12:00:00Z`, an offset, or a bare date: its midnight);
    without an offset it is UTC."""
    if value is None or value == "":
        return None
    try:
        if len(value) > 40 or not value.isascii():
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ParamError(
            name, f"{name} must be an ISO-8601 instant or date, got {value[:40]!r}"
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_actor(value: str | None, *, default: str, max_length: int) -> str:
    """Who acts (the `X-Sportify-Actor` header): printable text of at most `max_length`."""
    if value is None or not value.strip():
        return default
    actor = value.strip()
    if len(actor) > max_length:
        raise ParamError(
            "X-Sportify-Actor", f"X-Sportify-Actor must be at most {max_length} characters"
        )
    if not actor.isprintable():
        raise ParamError("X-Sportify-Actor", "X-Sportify-Actor must be printable text")
    return actor
