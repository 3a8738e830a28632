"""The alert email (SPEC 4.7): `[Sportify Alert] <title>`. Pure."""

from __future__ import annotations

import html
from datetime import datetime

from sportify_common.emails.headers import safe_header_value
from sportify_common.messages import EmailKind, EmailRequested
from sportify_common.periods import to_wire

SUBJECT_PREFIX = "[Sportify Alert] "


def alert_email(*, title: str, body: str, recipient: str, now: datetime) -> EmailRequested:
    subject = safe_header_value(SUBJECT_PREFIX + title)
    text = f"{title}\n\n{body}\n\n-- Sportify Ops, {to_wire(now)}\n"
    html_body = (
        f"<h1>{html.escape(title)}</h1><pre>{html.escape(body)}</pre>"
        f"<p><small>Sportify Ops, {to_wire(now)}</small></p>"
    )
    return EmailRequested(
        idempotency_key=f"alert:{safe_header_value(title, max_length=200)}:{to_wire(now)}",
        kind=EmailKind.ALERT,
        recipient=recipient,
        user_id=None,
        locale="en",
        subject=subject,
        body_text=text,
        body_html=html_body,
        headers={},
    )
