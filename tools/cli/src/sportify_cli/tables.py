"""Aligned text tables for people (the CLI's lists); scripts take `--json`. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_CELL = 48


def cell(value: Any, width: int = MAX_CELL) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split())  # one line: no newlines or tabs from the data
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """`columns` are (heading, key); every column as wide as its widest cell."""
    cells = [[cell(row.get(key)) for _heading, key in columns] for row in rows]
    headings = [heading for heading, _key in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headings)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
