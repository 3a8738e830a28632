"""Summary emails (SPEC 4.3): who gets one, its key, its content and headers. Pure.

`summary_email` returns the `EmailRequested` to publish, or the reason the user is skipped;
what it says is `content`, in whose words `wording`, laid out by `render`.
Display names and all user data are escaped in HTML (jinja autoescape) and pass
`safe_header_value` before reaching a header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sportify_aggregator import wording
from sportify_aggregator.records import Recipient, Summary
from sportify_aggregator.render import email_parts
from sportify_common.emails.headers import safe_header_value
from sportify_common.messages import EmailRequested
from sportify_common.periods import Period
from sportify_common.vocabulary import EVALUATED_PERIODS

SKIP_DISABLED = "email-notifications-disabled"
SKIP_NO_ADDRESS = "no-email-address"
SKIP_INVALID_ADDRESS = "invalid-email-address"
SKIP_ALREADY_QUEUED = "already-queued"

_ADDRESS = re.compile(r"^[^\s@]+@[^\s@]+$")
_MAX_ADDRESS = 320


@dataclass(frozen=True, slots=True)
class Skipped:
    user_id: UUID
    reason: str

    def entry(self) -> dict[str, str]:
        return {"userId": str(self.user_id), "status": "skipped", "reason": self.reason}


def queued_entry(user_id: UUID) -> dict[str, str]:
    return {"userId": str(user_id), "status": "queued"}


def idempotency_key(period: Period, user_id: UUID) -> str:
    """`weekly-summary:<userId>:<YYYY-MM-DD>` / `monthly-summary:<userId>:<YYYY-MM>`."""
    return f"{EVALUATED_PERIODS[period.kind].email_kind.value}:{user_id}:{period.label}"


def address_of(recipient: Recipient) -> str:
    """The address a summary goes to (its user's, trimmed)."""
    return (recipient.email or "").strip()


def skip_reason(recipient: Recipient) -> str | None:
    if not recipient.notifications_enabled:
        return SKIP_DISABLED
    address = address_of(recipient)
    if not address:
        return SKIP_NO_ADDRESS
    if len(address) > _MAX_ADDRESS or not _ADDRESS.match(address):
        return SKIP_INVALID_ADDRESS
    return None


def locale_of(recipient: Recipient) -> str:
    return recipient.locale if recipient.locale in wording.LOCALES else wording.DEFAULT_LOCALE


def summary_email(
    summary: Summary,
    period: Period,
    *,
    base_url: str,
    unsubscribe_url: str | None,
    headers: Mapping[str, str],
) -> EmailRequested | Skipped:
    recipient = summary.recipient
    reason = skip_reason(recipient)
    if reason is not None:
        return Skipped(recipient.user_id, reason)
    return EmailRequested(
        idempotency_key=idempotency_key(period, recipient.user_id),
        kind=EVALUATED_PERIODS[period.kind].email_kind,
        recipient=address_of(recipient),
        user_id=recipient.user_id,
        **rendered_fields(summary, period, base_url, unsubscribe_url, headers),
    )


def rendered_fields(
    summary: Summary,
    period: Period,
    base_url: str,
    unsubscribe_url: str | None,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """The email's locale, subject, bodies and headers, whoever it goes to (a preview shows
    them for a user who would be skipped, too)."""
    locale = locale_of(summary.recipient)
    parts = email_parts(
        summary,
        period,
        wording.LOCALES[locale],
        base_url=base_url,
        unsubscribe_url=unsubscribe_url,
    )
    return {
        "locale": locale,
        "subject": safe_header_value(parts.subject),
        "body_text": parts.text,
        "body_html": parts.html,
        "headers": {k: safe_header_value(v) for k, v in headers.items()},
    }
