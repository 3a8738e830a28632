from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.charset import QP, Charset
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr
from uuid import uuid4

from hypothesis import given, settings, strategies as st

from sportify_common.emails.headers import safe_header_value
from sportify_common.vocabulary import EmailKind
from sportify_mailer.compose import OutgoingEmail, compose, message_domain
from sportify_mailer.records import DueEmail

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _email(**changes: object) -> DueEmail:
    values: dict[str, object] = {
        "id": uuid4(),
        "idempotency_key": f"{EmailKind.WEEKLY_SUMMARY}:u:2026-02-23",
        "recipient": "ada@example.test",
        "user_id": None,
        "kind": EmailKind.WEEKLY_SUMMARY,
        "subject": "Deine Woche",
        "body_text": "Hallo Ada",
        "body_html": "<p>Hallo Ada</p>",
        "headers": {
            "List-Unsubscribe": "<https://x.test/api/unsubscribe?token=abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
    values.update(changes)
    return DueEmail(**values)  # type: ignore[arg-type]


def _parsed(outgoing: OutgoingEmail) -> EmailMessage:
    parsed = message_from_bytes(outgoing.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_message_carries_envelope_headers_unsubscribe_and_both_bodies() -> None:
    email = _email()
    outgoing = compose(email, sender="Sportify <no-reply@sportify.test>", now=NOW)
    message = _parsed(outgoing)
    assert (outgoing.sender, outgoing.recipient) == ("no-reply@sportify.test", "ada@example.test")
    assert message["From"] == "Sportify <no-reply@sportify.test>"
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Deine Woche"
    assert message["Message-ID"] == f"<{email.id}@sportify.test>" == outgoing.message_id
    assert message["Date"] == "Mon, 02 Mar 2026 08:00:00 +0000"
    assert message["List-Unsubscribe"] == "<https://x.test/api/unsubscribe?token=abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    assert isinstance(text_part, EmailMessage)
    assert isinstance(html_part, EmailMessage)
    assert text_part.get_content().strip() == "Hallo Ada"
    assert html_part.get_content().strip() == "<p>Hallo Ada</p>"


def test_non_ascii_subject_sender_and_bodies_survive_encoding() -> None:
    email = _email(subject="Grüße, Jürgen — 🏅", body_text="Schöne Woche", body_html="<p>Größe</p>")
    message = _parsed(compose(email, sender="Spörtify <no-reply@sportify.test>", now=NOW))
    assert message["Subject"] == "Grüße, Jürgen — 🏅"
    assert message["From"] == "Spörtify <no-reply@sportify.test>"
    text_part, html_part = message.iter_parts()
    assert isinstance(text_part, EmailMessage)
    assert isinstance(html_part, EmailMessage)
    assert text_part.get_content().strip() == "Schöne Woche"
    assert html_part.get_content().strip() == "<p>Größe</p>"


def test_crlf_in_subject_recipient_or_header_values_cannot_inject_headers() -> None:
    email = _email(
        subject="Hi\r\nBcc: victim@example.test",
        recipient="ada@example.test\r\nCc: x@example.test",
        headers={"List-Unsubscribe": "<https://x.test>\r\nX-Evil: 1"},
    )
    outgoing = compose(email, sender="no-reply@sportify.test\nX-Sender-Evil: 1", now=NOW)
    header_block = outgoing.data.split(b"\n\n", 1)[0]
    for injected in (b"\nBcc:", b"\nX-Evil:", b"\nCc:", b"\nX-Sender-Evil:"):
        assert injected not in header_block
    assert b"\r" not in outgoing.recipient.encode()
    assert "\n" not in outgoing.recipient


def test_row_headers_cannot_override_reserved_or_malformed_names() -> None:
    email = _email(headers={"From": "evil@example.test", "Bad Name": "x", "X:Y": "z"})
    message = _parsed(compose(email, sender="no-reply@sportify.test", now=NOW))
    assert message.get_all("From") == ["no-reply@sportify.test"]
    assert message["Bad Name"] is None
    assert message["X"] is None


def test_message_domain_falls_back_when_sender_has_none() -> None:
    assert message_domain("Sportify <no-reply@mail.sportify.test>") == "mail.sportify.test"
    assert message_domain("nobody") == "sportify.local"


def test_a_sender_with_an_international_domain_gives_an_ascii_message() -> None:
    email = _email(recipient="jürgen@bücher.test")
    outgoing = compose(email, sender="Spörtify <noreply@spörtify.test>", now=NOW)

    assert outgoing.message_id == f"<{email.id}@xn--sprtify-b1a.test>"
    assert outgoing.data.isascii()
    assert outgoing.recipient == "jürgen@bücher.test"
    assert message_domain("x@" + "ä" * 70 + ".test") == "sportify.local"  # label too long


def _reference(email: DueEmail, *, sender: str, now: datetime) -> bytes:
    """The same message built by the stdlib generator (what compose replaced for speed)."""
    utf8_qp = Charset("utf-8")
    utf8_qp.body_encoding = QP
    message = MIMEMultipart("alternative")
    message["From"] = formataddr(parseaddr(safe_header_value(sender)), charset="utf-8")
    message["To"] = safe_header_value(email.recipient)
    message["Subject"] = safe_header_value(email.subject)
    message["Date"] = format_datetime(now)
    for name, value in email.headers.items():
        message[name] = safe_header_value(str(value))
    for body, subtype in ((email.body_text, "plain"), (email.body_html, "html")):
        part = MIMENonMultipart("text", subtype)
        part.set_payload(body, utf8_qp)
        message.attach(part)
    return message.as_bytes()


def _decoded(data: bytes) -> tuple[dict[str, str], list[tuple[str, str]]]:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    wanted = ("From", "To", "Subject", "Date", "List-Unsubscribe", "X-Note")
    headers = {name: str(message[name]) for name in wanted if message[name] is not None}
    parts = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        parts.append((part.get_content_type(), part.get_content()))
    return headers, parts


# Bodies as summaries are: any text, long lines, "=", dots at a line start, trailing spaces.
_body = st.lists(
    st.text(
        alphabet=st.characters(codec="utf-8"),
        max_size=100,
    )
    | st.sampled_from(["\n", "\r\n", "\r", "=", ".", " ", "\t", "=_", "--", "x" * 90]),
    max_size=12,
).map("".join)
_line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(subject=_line, name=_line, note=_line, body_text=_body, body_html=_body)
def test_the_message_reads_back_as_the_stdlib_generator_builds_it(
    subject: str, name: str, note: str, body_text: str, body_html: str
) -> None:
    email = _email(
        subject=subject or "x",
        body_text=body_text,
        body_html=body_html,
        headers={"List-Unsubscribe": "<https://x.test/u?t=abc>", "X-Note": note},
    )
    sender = formataddr((name.replace('"', ""), "no-reply@sportify.test"))

    ours = _decoded(compose(email, sender=sender, now=NOW).data)
    reference = _decoded(_reference(email, sender=sender, now=NOW))

    assert ours == reference


def test_body_lines_stay_within_the_quoted_printable_limit() -> None:
    email = _email(body_text="ä" * 500 + "\n" + "x" * 300, body_html="=" * 200)
    data = compose(email, sender="no-reply@sportify.test", now=NOW).data
    assert data.isascii()
    assert max(len(line) for line in data.split(b"\n")) <= 998
    body = data.split(b"\n\n", 1)[1]
    assert max(len(line) for line in body.split(b"\n") if not line.startswith(b"--")) <= 76


# Names as people type them, and as attackers do: accents, emoji, bidi controls, CR/LF, "=?".
_name = st.lists(
    st.sampled_from(
        [
            *("a", "Z", "ü", "ß", "é", "😀", "名", " ", "=?", "?=", "\r", "\n", "\r\n", ":", "\t"),
            *("\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\x85", "\u2028", "Bcc: x@y"),
        ]
    ),
    max_size=30,
).map("".join)
_SUBJECTS = ("Deine Woche: 480 Punkte · Platz 1 unter Freunden, {name}", "Your week, {name}")
_EXPECTED_HEADERS = {
    "Content-Type", "MIME-Version", "From", "To", "Subject", "Message-ID", "Date",
    "Auto-Submitted", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(name=_name, template=st.sampled_from(_SUBJECTS))
def test_any_name_in_a_subject_is_encoded_folded_and_read_back_without_defects(
    name: str, template: str
) -> None:
    subject = template.format(name=name)
    outgoing = compose(_email(subject=subject), sender="Sportify <no-reply@sportify.test>", now=NOW)
    message = _parsed(outgoing)
    header_block = outgoing.data.split(b"\n\n", 1)[0].decode("ascii")

    assert set(message.keys()) == _EXPECTED_HEADERS
    assert not message.defects
    assert not message["Subject"].defects
    assert str(message["Subject"]) == safe_header_value(subject)
    assert not any(c in str(message["Subject"]) for c in "\u202e\u2066\u2069\u200f\u061c")
    subject_lines = header_block.split("Subject: ", 1)[1].split("\n")
    folded = [subject_lines[0], *(line for line in subject_lines[1:] if line[:1] in " \t")]
    assert all(len(line) <= 78 for line in [f"Subject: {folded[0]}", *folded[1:]])


def test_a_literal_encoded_word_in_a_subject_reads_back_literally() -> None:
    subject = "Literal =?utf-8?q?hello?= token"

    message = _parsed(compose(_email(subject=subject), sender="no-reply@sportify.test", now=NOW))

    assert str(message["Subject"]) == subject


def test_summaries_carry_their_list_id_and_every_email_is_auto_submitted() -> None:
    sender = "Sportify <no-reply@mail.sportify.test>"
    weekly = _parsed(compose(_email(), sender=sender, now=NOW))
    monthly = _parsed(compose(_email(kind=EmailKind.MONTHLY_SUMMARY), sender=sender, now=NOW))
    alert = _parsed(compose(_email(kind=EmailKind.ALERT, headers={}), sender=sender, now=NOW))
    forged = _parsed(
        compose(
            _email(headers={"List-Id": "x <evil.test>", "Auto-Submitted": "no"}),
            sender=sender,
            now=NOW,
        )
    )

    assert weekly["List-Id"] == "Sportify weekly summary <weekly-summary.mail.sportify.test>"
    assert monthly["List-Id"] == "Sportify monthly summary <monthly-summary.mail.sportify.test>"
    assert alert["List-Id"] is None
    assert forged.get_all("List-Id") == [
        "Sportify weekly summary <weekly-summary.mail.sportify.test>"
    ]
    assert forged.get_all("Auto-Submitted") == ["auto-generated"]
    assert {m["Auto-Submitted"] for m in (weekly, monthly, alert)} == {"auto-generated"}
