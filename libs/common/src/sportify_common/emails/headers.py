"""Header values that cannot inject headers, names without bidi tricks, the RFC 8058
unsubscribe pair and the RFC 2919 list id. Pure."""

from __future__ import annotations

import re

from sportify_common.vocabulary import EmailKind

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators (some readers break
# lines at them).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional formatting characters: embeddings, overrides, isolates and the implicit marks.
# In a display name they reorder what follows ("Eve\u202e" turns the rest of a subject or a
# leaderboard line around), so a name never carries them.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(value: str) -> str:
    return _BIDI.sub("", value)


def clean_display_name(name: str, *, max_length: int = 200) -> str:
    """A user's display name as an email shows it: no controls, no bidi formatting, bounded."""
    return _CONTROL.sub(" ", strip_bidi_controls(name)).strip()[:max_length]


def safe_header_value(value: str, *, max_length: int = 900) -> str:
    """Collapse CR, LF and every other control character to a space, drop bidi formatting
    characters; bound the length."""
    return _CONTROL.sub(" ", strip_bidi_controls(value)).strip()[:max_length]


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{safe_header_value(url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


LIST_NAMES: dict[str, str] = {
    EmailKind.WEEKLY_SUMMARY: "Sportify weekly summary",
    EmailKind.MONTHLY_SUMMARY: "Sportify monthly summary",
}
"""The summary kinds that are lists (RFC 2919), each with its own id; other kinds are none."""


def list_id(kind: str, domain: str) -> str | None:
    """`Sportify weekly summary <weekly-summary.sportify.example>` for a summary kind under the
    sender's domain (an ASCII domain), None for an email that is no list (alerts, tests)."""
    name = LIST_NAMES.get(kind)
    return None if name is None else f"{name} <{kind}.{domain}>"
