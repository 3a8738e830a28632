"""The whole weekly path with every service as its own process, as in production:
HTTP trigger → aggregator → email.requested → mailer → SMTP, then skip, unsubscribe, force."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.periods import PeriodKind, latest_closed, to_wire, wire_end
from sportify_common.settings import Settings, load_settings
from tests.support.factories import befriend, insert_user, insert_workout
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e

EVIL_NAME = "Eve\r\nBcc: victim@example.test <b>bold</b>"


def _html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def test_a_weekly_run_over_http_reaches_the_smtp_sink_once(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "utc_offset_minutes": 60,
        }
    )
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    eve = await insert_user(engine, display_name=EVIL_NAME, email="eve@example.test", locale="en")
    bob = await insert_user(engine, display_name="Bob", email="bob@example.test", locale="de")
    quiet = await insert_user(engine, email="quiet@example.test", notifications=False)
    await befriend(engine, eve, bob, "accepted")
    await insert_workout(engine, eve, week.start, [("pushups", 50, 500)])
    await insert_workout(engine, bob, week.start + timedelta(hours=30), [("running", 10, 300)])
    await insert_workout(engine, quiet, week.end, [("pushups", 10, 10)])  # next week

    stack = service_stack(settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0"))
    for service in ("aggregator", "mailer", "monitor"):
        stack.start(service)
    await stack.wait_ready()

    first = await stack.post("/api/events/weekly")
    body = first.json()
    assert first.status_code == 200, body
    assert body["status"] == "ok"
    assert body["skipped"] is False
    assert body["processedUsers"] == 3
    assert body["weekStart"] == to_wire(week.start)
    assert body["weekEnd"] == wire_end(week)
    assert body["emailSummary"] == {"queued": 2, "skipped": {"email-notifications-disabled": 1}}

    messages = await sink.wait_for(2)
    by_recipient = {str(m["To"]): m for m in messages}
    assert set(by_recipient) == {"eve@example.test", "bob@example.test"}
    eve_mail = by_recipient["eve@example.test"]
    assert eve_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert eve_mail["Auto-Submitted"] == "auto-generated"
    assert str(eve_mail["List-Id"]).startswith("Sportify weekly summary <weekly-summary.")
    assert str(eve_mail["List-Unsubscribe"]).startswith("<http")
    assert "victim@example.test" not in str(eve_mail["Bcc"] or "")
    assert all("\n" not in str(value) for value in eve_mail.values())
    assert "<b>bold</b>" not in _html_part(eve_mail)
    assert "&lt;b&gt;bold&lt;/b&gt;" in _html_part(eve_mail)

    again = await stack.post("/api/events/weekly")
    assert again.status_code == 200
    assert again.json()["skipped"] is True
    assert again.json()["reason"] == "already-completed"

    token = parse_qs(urlsplit(str(eve_mail["List-Unsubscribe"]).strip("<>")).query)["token"][0]
    async with httpx.AsyncClient() as client:
        unsubscribed = await client.post(
            stack.monitor_url + "/api/unsubscribe", params={"token": token}
        )
    assert unsubscribed.status_code == 200
    async with engine.connect() as conn:
        enabled = (
            await conn.execute(
                text("select email_notifications_enabled from users where id = :id"), {"id": eve}
            )
        ).scalar_one()
        preferences = (
            await conn.execute(
                text("select kind, enabled from email_preferences where user_id = :id"),
                {"id": eve},
            )
        ).all()
    assert enabled is True  # one-click stops the token's kind only (SPEC 12.6)
    assert [tuple(p) for p in preferences] == [("weekly-summary", False)]

    forced = await stack.post("/api/events/weekly", force="true")
    forced_body = forced.json()
    assert forced.status_code == 200, forced_body
    assert forced_body["emailSummary"]["queued"] == 0
    assert forced_body["emailSummary"]["skipped"] == {
        "already-queued": 1,
        "email-notifications-disabled": 1,
        "kind-opted-out": 1,
    }
    await asyncio.sleep(1.0)
    assert len(sink.messages) == 2
    async with engine.connect() as conn:
        counts = (
            await conn.execute(
                text(
                    "select (select count(*) from email_queue), "
                    "(select count(*) from leaderboard_results), "
                    "(select count(*) from user_badges), "
                    "(select count(*) from awards where award_type = 'leaderboard')"
                )
            )
        ).one()
    assert counts[0] == 2  # emails: one each for Eve and Bob, never doubled
    assert counts[1] == 3  # one leaderboard row per processed user
    assert counts[2] == 0  # no goals, 500 and 300 points are below the 1000-point challenge
    assert counts[3] == 2  # Eve 1st and Bob 2nd of their two-person leaderboard
