"""The MIME message for a queued email. Pure (stdlib `email` only).

Every header value passes through `safe_header_value`, and `EmailMessage` with the default
policy refuses CR/LF in values, so nothing from a row can inject a header.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from sportify_common.emails.headers import safe_header_value
from sportify_mailer.records import DueEmail

_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,75}")

# Headers the mailer sets itself; a row cannot override them.
_RESERVED = frozenset(
    {
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "cc",
        "bcc",
        "sender",
        "reply-to",
        "return-path",
    }
)


def message_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    _local, at, domain = address.rpartition("@")
    return (safe_header_value(domain) if at else "") or "sportify.local"


def message_id(email_id: object, domain: str) -> str:
    """Stable per row, so a resend after a lost reply can be recognised downstream."""
    return f"<{email_id}@{domain}>"


def compose(email: DueEmail, *, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = safe_header_value(sender)
    message["To"] = safe_header_value(email.recipient)
    message["Subject"] = safe_header_value(email.subject)
    message["Message-ID"] = message_id(email.id, message_domain(sender))
    message["Date"] = format_datetime(now)
    for name, value in sorted(email.headers.items()):
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED:
            continue
        message[name] = safe_header_value(str(value))
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message
