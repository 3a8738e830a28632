"""Keyset paging of the admin lists (SPEC 12): an opaque cursor over (instant, key), newest first.

A cursor is the sort key of the last row of a page, base64url-encoded: the next page is every row
strictly before it in (instant desc, key desc) order. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, TypeVar

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 500
MAX_CURSOR_LENGTH: Final = 400
_SEPARATOR = "|"


class CursorError(ValueError):
    """A cursor this system did not hand out (or one from another list)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the last row's instant (microseconds kept) and its tie-breaking key."""

    at: datetime
    key: str

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}{_SEPARATOR}{self.key}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if not text or len(text) > MAX_CURSOR_LENGTH or not text.isascii():
            raise CursorError("cursor is not one this API returned")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            at_text, separator, key = raw.partition(_SEPARATOR)
            at = datetime.fromisoformat(at_text)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise CursorError("cursor is not one this API returned") from exc
        if not separator or not key or not key.isprintable() or at.tzinfo is None:
            raise CursorError("cursor is not one this API returned")
        return cls(at=at, key=key)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next one (None: this was the last page)."""

    rows: list[T]
    next: Cursor | None

    @classmethod
    def of(cls, fetched: Sequence[T], limit: int, key: Callable[[T], Cursor]) -> Page[T]:
        """From `limit + 1` fetched rows: the extra row only tells that another page exists."""
        rows = list(fetched[:limit])
        more = len(fetched) > limit
        return cls(rows=rows, next=key(rows[-1]) if more and rows else None)
