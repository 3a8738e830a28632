from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from uuid import uuid4

from sportify_mailer.compose import OutgoingEmail, compose, message_domain
from sportify_mailer.records import DueEmail

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _email(**changes: object) -> DueEmail:
    values: dict[str, object] = {
        "id": uuid4(),
        "idempotency_key": "weekly-summary:u:2026-02-23",
        "recipient": "ada@example.test",
        "user_id": None,
        "kind": "weekly-summary",
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
