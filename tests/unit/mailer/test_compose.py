from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from sportify_mailer.compose import compose, message_domain
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


def test_message_carries_envelope_headers_unsubscribe_and_both_bodies() -> None:
    email = _email()
    message = compose(email, sender="Sportify <no-reply@sportify.test>", now=NOW)
    assert message["From"] == "Sportify <no-reply@sportify.test>"
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Deine Woche"
    assert message["Message-ID"] == f"<{email.id}@sportify.test>"
    assert message["Date"] == "Mon, 02 Mar 2026 08:00:00 +0000"
    assert message["List-Unsubscribe"] == "<https://x.test/api/unsubscribe?token=abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_crlf_in_subject_recipient_or_header_values_cannot_inject_headers() -> None:
    email = _email(
        subject="Hi\r\nBcc: victim@example.test",
        headers={"List-Unsubscribe": "<https://x.test>\r\nX-Evil: 1"},
    )
    raw = compose(email, sender="no-reply@sportify.test", now=NOW).as_bytes()
    header_block = raw.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in header_block
    assert b"\nX-Evil:" not in header_block


def test_row_headers_cannot_override_reserved_or_malformed_names() -> None:
    email = _email(headers={"From": "evil@example.test", "Bad Name": "x", "X:Y": "z"})
    message = compose(email, sender="no-reply@sportify.test", now=NOW)
    assert message.get_all("From") == ["no-reply@sportify.test"]
    assert message["Bad Name"] is None


def test_message_domain_falls_back_when_sender_has_none() -> None:
    assert message_domain("Sportify <no-reply@mail.sportify.test>") == "mail.sportify.test"
    assert message_domain("nobody") == "sportify.local"
