"""An SMTP outage longer than the whole old retry window (3 attempts, 30 s base: about 90 s),
with the DEFAULT retry settings and a weekly run in the middle of it: nothing is ever marked
failed and no attempt is counted while the server is away; once it is back every summary is
sent exactly once, starting within one probe interval (SPEC 4.4: "Nothing is lost")."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings, load_settings
from tests.support.factories import insert_user, insert_workout
from tests.support.smtp import SmtpSink, free_port
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e

logger = logging.getLogger(__name__)

USERS = 12
OUTAGE_SECONDS = 125.0
"""At least two minutes, longer than the old defaults' whole retry window."""
PROBE_MAX_SECONDS = 5.0
SLACK_SECONDS = 2.0
"""Beyond one probe interval: the probe itself, the drain's claim, the first send."""


@dataclass
class Watch:
    """What the queue looked like at its worst while the server was away."""

    samples: int = 0
    most_failed: int = 0
    most_attempts: int = 0
    most_sent: int = 0

    async def sample(self, engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            failed, attempts, sent = (
                await conn.execute(
                    text(
                        "select count(*) filter (where status = 'failed'),"
                        " coalesce(max(attempts), 0), count(*) filter (where status = 'sent')"
                        " from email_queue"
                    )
                )
            ).one()
        self.samples += 1
        self.most_failed = max(self.most_failed, int(failed))
        self.most_attempts = max(self.most_attempts, int(attempts))
        self.most_sent = max(self.most_sent, int(sent))


async def summaries(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "select status, count(*) from email_queue where kind = 'weekly-summary'"
                " group by status"
            )
        )
        return {str(status): int(count) for status, count in result.all()}


async def test_a_weekly_run_during_a_two_minute_smtp_outage_sends_every_summary_once_after(
    settings: Settings,
    engine: AsyncEngine,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    port = free_port()  # nothing listens here until the outage ends
    settings = load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "alert_email": "ops@example.test",
        }
    )
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    for i in range(USERS):
        user = await insert_user(engine, email=f"runner{i}@example.test")
        await insert_workout(engine, user, week.start + timedelta(hours=i), [("pushups", 20, 40)])
    env = settings_env(
        settings, SCHEDULER_CATCH_UP_PERIODS="0", SMTP_PROBE_MAX_SECONDS=str(PROBE_MAX_SECONDS)
    )
    for name in [k for k in env if k.startswith("EMAIL_")]:
        del env[name]  # the default retry settings: 3 attempts, base 300 s, cap 3600 s
    stack = service_stack(env)
    for service in ("aggregator", "mailer", "monitor"):
        stack.start(service)
    await stack.wait_ready()
    sink: SmtpSink | None = None
    watch = Watch()
    try:
        outage_began = time.monotonic()
        response = await stack.post("/api/events/weekly")
        assert response.status_code == 200, response.text
        assert response.json()["emailSummary"]["queued"] == USERS
        while time.monotonic() - outage_began < OUTAGE_SECONDS:
            await watch.sample(engine)
            await asyncio.sleep(0.5)
        stored_during_outage = await summaries(engine)

        sink = SmtpSink(port=port).start()
        recovered = time.monotonic()
        outage = recovered - outage_began
        first_sent: float | None = None
        while time.monotonic() - recovered < 60:
            if first_sent is None and sink.messages:
                first_sent = time.monotonic() - recovered
            if (await summaries(engine)).get("sent") == USERS and len(sink.messages) > USERS:
                break
            await asyncio.sleep(0.1)
        all_sent = time.monotonic() - recovered
        statuses = await summaries(engine)
        messages = sink.messages
        async with engine.connect() as conn:
            attempts = (
                await conn.execute(text("select array_agg(distinct attempts) from email_queue"))
            ).scalar_one()
    finally:
        if sink is not None:
            sink.stop()

    summary_mails = [m for m in messages if not str(m["Subject"]).startswith("[Sportify Alert]")]
    per_recipient = Counter(str(m["To"]) for m in summary_mails)
    per_id = Counter(str(m["Message-ID"]) for m in messages)
    doubled = sum(n - 1 for n in per_recipient.values()) + sum(n - 1 for n in per_id.values())
    figures = (
        f"SMTP outage {outage:.1f} s (default retry settings, SMTP_PROBE_MAX_SECONDS "
        f"{PROBE_MAX_SECONDS:.0f}); first email {first_sent or 0:.1f} s and last summary "
        f"{all_sent:.1f} s after the server was back; {len(summary_mails)} of {USERS} "
        f"summaries sent; failed {watch.most_failed}; doubled {doubled}; max attempts during "
        f"the outage {watch.most_attempts} ({watch.samples} samples)"
    )
    print(figures)  # noqa: T201 - the figures for the report (-s)
    logger.warning(figures)
    assert outage >= 120
    assert stored_during_outage == {"pending": USERS}
    assert (watch.most_failed, watch.most_attempts, watch.most_sent) == (0, 0, 0)
    assert statuses == {"sent": USERS}
    assert sorted(per_recipient) == sorted(f"runner{i}@example.test" for i in range(USERS))
    assert doubled == 0
    assert attempts == [1]  # every row: exactly the one successful attempt
    assert first_sent is not None
    assert first_sent <= PROBE_MAX_SECONDS + SLACK_SECONDS
    assert len(messages) == USERS + 1  # and the one alert of the outage
