"""Header values that cannot inject headers, and the RFC 8058 unsubscribe pair. Pure."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def safe_header_value(value: str, *, max_length: int = 900) -> str:
    """Collapse CR, LF and every other control character to a space; bound the length."""
    return _CONTROL.sub(" ", value).strip()[:max_length]


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{safe_header_value(url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
