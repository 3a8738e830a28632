"""A summary as it reaches an SMTP server (SPEC 4.3 Headers): the aggregator's run requests it,
the mailer sends it, aiosmtpd receives it; parsed with `email.policy.default`, no defects."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.periods import week_of
from sportify_common.settings import Settings, load_settings
from sportify_common.tokens import verify_unsubscribe
from sportify_common.vocabulary import EmailKind
from sportify_mailer.delivery import Delivery
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import insert_user
from tests.support.mail_factories import ManualClock
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.integration

OPS = "https://ops.sportify.example"
APP = "https://app.sportify.example"
SENDER = "Sportify <no-reply@mail.sportify.example>"
SECRET = "cron-secret-for-tests"
BIDI = "\u202e\u2066\u200f"
NAMES = [f"Eve{BIDI}\r\nBcc: victim@example.test", "Jürgen =?utf-8?q?Trick?= Müller", "Ada"]


@pytest.fixture
def mail_settings(settings: Settings, sink: SmtpSink) -> Settings:
    """The mailer's settings of the conftest, with SMTP_FROM and both public URLs set."""
    return load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "smtp_tls": "none",
            "smtp_timeout_seconds": 5.0,
            "smtp_from": SENDER,
            "events_base_url": OPS + "/",
            "frontend_url": APP,
        }
    )


def _defects(message: EmailMessage) -> list[object]:
    found: list[object] = list(message.defects)
    for name in message.keys():  # noqa: SIM118 - EmailMessage is no dict: keys() yields every header
        for value in message.get_all(name) or []:
            found.extend(getattr(value, "defects", ()))
    for part in message.walk():
        found.extend(part.defects)
    return found


async def test_a_weekly_summary_carries_list_headers_one_click_and_a_safe_subject(
    mail_settings: Settings,
    engine: AsyncEngine,
    delivery: Delivery,
    sink: SmtpSink,
    clock: ManualClock,
) -> None:
    settings = mail_settings
    users = {
        await insert_user(engine, display_name=name, locale=locale): name
        for name, locale in zip(NAMES, ("de", "en", "de"), strict=True)
    }
    period = week_of(date(2026, 3, 9), settings.zone)

    async with running_aggregator(settings, engine) as harness:
        await harness.run(period)
        requested = await harness.wait_emails(len(users))
        await harness.store_requested_emails()
    clock.now = utc_now()  # the stored rows are due from the database's now()
    stats = await delivery.drain(25)
    messages = await sink.wait_for(len(users))

    assert stats.sent == len(users)
    subjects = {email["recipient"]: email["subject"] for email in requested}
    for message in messages:
        assert _defects(message) == []
        assert (
            message["List-Id"] == "Sportify weekly summary <weekly-summary.mail.sportify.example>"
        )
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"].endswith("@mail.sportify.example>")
        assert message["Date"].datetime is not None
        assert message.get_all("Bcc") is None
        unsubscribe = str(message["List-Unsubscribe"])
        assert unsubscribe.startswith(f"<{OPS}/api/unsubscribe?token=u2.")
        token = unsubscribe[len(f"<{OPS}/api/unsubscribe?token=") : -1]
        claim = verify_unsubscribe(token, SECRET, now=period.end)
        assert claim.kind is EmailKind.WEEKLY_SUMMARY
        assert users[claim.user_id]  # the token names the user the email went to
        subject = str(message["Subject"])
        assert subject == subjects[str(message["To"])]
        assert not any(c in subject for c in BIDI + "\r\n")
        text_part = message.get_body(("plain",))
        assert text_part is not None
        body = text_part.get_content()
        assert APP in body  # the button goes to the app
        assert not any(c in body for c in BIDI)  # nor in the greeting
        assert f"{OPS}/api/unsubscribe?token=" in body
