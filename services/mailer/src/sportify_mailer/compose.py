"""The wire form of a queued email: RFC 5322 bytes plus its envelope. Pure.

Every header value passes through `safe_header_value` (no CR/LF or other control characters,
no bidi formatting) and a value that is not ASCII or holds `=?` (which a reader would take for
an encoded word) is RFC 2047-encoded and folded at 78 characters, so nothing from a row can
inject a header or be read back as other text. Every email is `Auto-Submitted:
auto-generated` (RFC 3834: no vacation replies); a summary carries its kind's `List-Id`
(RFC 2919) under SMTP_FROM's domain.
The message always has the same shape (multipart/alternative: a text/plain and a text/html
part, both UTF-8 quoted-printable), so it is written out directly: header lines as they are,
bodies through binascii's C quoted-printable encoder, at a fraction of the stdlib generator's
cost (its header folding and pure-Python body encoder; figures in bench/README.md). The tests
parse the bytes back with the stdlib parser and compare with a reference built by it.
"""

from __future__ import annotations

import binascii
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr

from sportify_common.emails.headers import list_id, safe_header_value
from sportify_mailer.records import DueEmail

_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,75}")

# Headers the mailer sets itself; a row cannot override them.
_RESERVED = frozenset(
    {
        "from", "to", "subject", "message-id", "date", "mime-version", "content-type",
        "content-transfer-encoding", "cc", "bcc", "sender", "reply-to", "return-path",
        "auto-submitted", "list-id",
    }
)  # fmt: skip

_LINE_BREAKS = re.compile(r"\r\n?")
_MAX_LINE = 78


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    sender: str
    """Envelope sender (MAIL FROM): the bare address of SMTP_FROM."""
    recipient: str
    message_id: str
    data: bytes


def _ascii_domain(domain: str) -> str:
    """An internationalised domain as punycode; "" when it cannot be one."""
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def message_domain(sender: str) -> str:
    """The Message-ID's domain: SMTP_FROM's, in ASCII."""
    address = parseaddr(sender)[1]
    _local, at, domain = address.rpartition("@")
    return (_ascii_domain(safe_header_value(domain)) if at else "") or "sportify.local"


def message_id(email_id: object, domain: str) -> str:
    """Stable per row, so a resend after a lost reply can be recognised downstream."""
    return f"<{email_id}@{domain}>"


def _encoded(value: str, name: str, *, text: bool = True) -> str:
    """`value` as the text of header `name`: plain ASCII as it is; otherwise encoded words,
    folded so that no line (the first counting `name: `) passes 78 characters. In a `text`
    header (not an address) ASCII holding `=?` is encoded too, so it reads back literally."""
    clean = safe_header_value(value)
    if clean.isascii() and not (text and "=?" in clean):
        return clean
    header = Header(clean, "utf-8", header_name=name or None)
    return header.encode(linesep="\n", maxlinelen=_MAX_LINE)


def _from_header(sender: str) -> str:
    name, address = parseaddr(safe_header_value(sender))
    local, at, domain = address.rpartition("@")
    if at:
        address = f"{local}@{_ascii_domain(domain) or domain}"
    # formataddr has already encoded a non-ASCII name: encode only what is left non-ASCII.
    value = formataddr((name, address), charset="utf-8") if name else address
    return _encoded(value, "From", text=False)


def _text_part(body: str, subtype: str, boundary: str) -> str:
    """One body part; quoted-printable keeps it 7-bit with lines of at most 76 characters."""
    encoded = binascii.b2a_qp(_LINE_BREAKS.sub("\n", body).encode("utf-8"), istext=True)
    return (
        f"--{boundary}\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        f"{encoded.decode('ascii')}\n"
    )


@functools.lru_cache(maxsize=8)
def _sender(sender: str) -> tuple[str, str, str]:
    """SMTP_FROM as envelope sender, From header and Message-ID domain (parsed once)."""
    return parseaddr(safe_header_value(sender))[1], _from_header(sender), message_domain(sender)


def compose(email: DueEmail, *, sender: str, now: datetime) -> OutgoingEmail:
    envelope_from, from_header, domain = _sender(sender)
    recipient = safe_header_value(email.recipient)
    mid = message_id(email.id, domain)
    # "=_" cannot occur in a quoted-printable body (it encodes "=" as "=3D"): no collision.
    boundary = f"=_sportify_{email.id.hex}"
    headers = [
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ("MIME-Version", "1.0"),
        ("From", from_header),
        ("To", _encoded(recipient, "To", text=False)),
        ("Subject", _encoded(email.subject, "Subject")),
        ("Message-ID", mid),
        ("Date", format_datetime(now)),
        ("Auto-Submitted", "auto-generated"),
    ]
    list_header = list_id(email.kind, domain)
    if list_header is not None:
        headers.append(("List-Id", list_header))
    # No folding of ASCII values: each is capped by safe_header_value far below the 998-octet
    # line limit, and an unfolded List-Unsubscribe URL is what one-click clients parse best.
    headers.extend(
        (name, _encoded(str(value), name))
        for name, value in sorted(email.headers.items())
        if _HEADER_NAME.fullmatch(name) and name.lower() not in _RESERVED
    )
    text = (
        "".join(f"{name}: {value}\n" for name, value in headers)
        + "\n"
        + _text_part(email.body_text, "plain", boundary)
        + _text_part(email.body_html, "html", boundary)
        + f"--{boundary}--\n"
    )
    return OutgoingEmail(envelope_from, recipient, mid, text.encode("ascii"))
