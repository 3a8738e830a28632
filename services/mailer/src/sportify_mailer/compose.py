"""The wire form of a queued email: RFC 5322 bytes plus its envelope. Pure (stdlib `email` only).

Every header value passes through `safe_header_value` (no CR/LF or other control characters)
and non-ASCII values are RFC 2047-encoded, so nothing from a row can inject a header. The
message is built with the `compat32` classes: the modern `EmailMessage` header registry costs
about a millisecond per message, which alone would cap sending at a few hundred per second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr

from sportify_common.emails.headers import safe_header_value
from sportify_mailer.records import DueEmail

_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,75}")

# Headers the mailer sets itself; a row cannot override them.
_RESERVED = frozenset(
    {
        "from", "to", "subject", "message-id", "date", "mime-version", "content-type",
        "content-transfer-encoding", "cc", "bcc", "sender", "reply-to", "return-path",
    }
)  # fmt: skip

# No folding: every value is capped by safe_header_value far below the 998-octet line limit,
# and an unfolded List-Unsubscribe URL is what one-click clients parse most reliably.
_UNFOLDED = compat32.clone(max_line_length=0)

_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    sender: str
    """Envelope sender (MAIL FROM): the bare address of SMTP_FROM."""
    recipient: str
    message_id: str
    data: bytes


def message_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    _local, at, domain = address.rpartition("@")
    return (safe_header_value(domain) if at else "") or "sportify.local"


def message_id(email_id: object, domain: str) -> str:
    """Stable per row, so a resend after a lost reply can be recognised downstream."""
    return f"<{email_id}@{domain}>"


def _encoded(value: str) -> str:
    clean = safe_header_value(value)
    return clean if clean.isascii() else Header(clean, "utf-8").encode()


def _from_header(sender: str) -> str:
    name, address = parseaddr(safe_header_value(sender))
    return formataddr((name, address), charset="utf-8") if name else address


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(body, _UTF8_QP)  # quoted-printable UTF-8: readable, 7-bit safe
    return part


def compose(email: DueEmail, *, sender: str, now: datetime) -> OutgoingEmail:
    # "=_" cannot occur in a quoted-printable body (it encodes "=" as "=3D"), so this boundary
    # needs none of the generator's per-message search for one that does not collide.
    message = MIMEMultipart("alternative", boundary=f"=_sportify_{email.id.hex}")
    envelope_from = parseaddr(safe_header_value(sender))[1]
    recipient = safe_header_value(email.recipient)
    mid = message_id(email.id, message_domain(sender))
    message["From"] = _from_header(sender)
    message["To"] = recipient
    message["Subject"] = _encoded(email.subject)
    message["Message-ID"] = mid
    message["Date"] = format_datetime(now)
    for name, value in sorted(email.headers.items()):
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED:
            continue
        message[name] = _encoded(str(value))
    message.attach(_text_part(email.body_text, "plain"))
    message.attach(_text_part(email.body_html, "html"))
    return OutgoingEmail(envelope_from, recipient, mid, message.as_bytes(policy=_UNFOLDED))
