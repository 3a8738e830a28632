"""Code constants as SQL text: the only way a name or slug of ours enters a statement's text."""

from __future__ import annotations

import re

_SLUG = re.compile(r"[a-z-]*")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def literal(value: str) -> str:
    """A code constant (slug, scope, category) as an SQL string literal."""
    if not _SLUG.fullmatch(value):
        raise ValueError(f"not a plain constant: {value!r}")
    return f"'{value}'"


def identifier(name: str) -> str:
    """A code constant that names a column (and is its own string literal): [a-z][a-z0-9_]*."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name
