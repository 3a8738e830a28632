"""Concurrency: 20 simultaneous triggers of the same week run it exactly once, and two
aggregators plus two mailers over that run and two dispatches double nothing."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.settings import Settings
from tests.faults.conftest import StackFactory
from tests.faults.support import (
    assert_no_duplicates,
    eligible_users,
    eventually,
    scalar,
    seed_week,
    snapshot,
    wait_until_completed,
    weekly_runs,
    with_smtp,
)
from tests.support.smtp import SmtpSink
from tests.support.stack import settings_env

pytestmark = pytest.mark.faults

USERS = 2_000
TRIGGERS = 20


async def test_twenty_triggers_two_aggregators_and_two_mailers_double_nothing(
    settings: Settings, sink: SmtpSink, service_stack: StackFactory
) -> None:
    settings = with_smtp(settings, sink.port)
    week = await seed_week(settings, USERS)
    engine = create_async_engine(settings.async_database_url)
    try:
        expected_emails = await eligible_users(engine, week)
        stack = service_stack(
            settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0", EMAIL_RETRY_POLL_SECONDS="1")
        )
        for name in ("aggregator", "aggregator-b"):
            stack.start("aggregator", name=name)
        for name in ("mailer", "mailer-b"):
            stack.start("mailer", name=name)
        stack.start("monitor")
        await stack.wait_ready()

        responses = await asyncio.gather(
            *(stack.post("/api/events/weekly") for _ in range(TRIGGERS))
        )
        bodies = [(r.status_code, r.json()) for r in responses]
        ran = [b for code, b in bodies if code == 202 or b.get("skipped") is False]
        skipped = [b for code, b in bodies if code == 200 and b.get("skipped") is True]
        assert len(ran) == 1, bodies
        assert len(skipped) == TRIGGERS - 1, bodies
        assert {b["reason"] for b in skipped} <= {"already-running", "already-completed"}
        assert {b["jobRunId"] for b in ran + skipped} == {ran[0]["jobRunId"]}

        run = await wait_until_completed(engine, week, timeout=120, stack=stack)
        assert len(await weekly_runs(engine, week)) == 1
        assert run.metadata["attempt"] == 1
        assert run.metadata["processedUsers"] == USERS

        dispatches = await asyncio.gather(
            *(stack.post("/api/events/emails/dispatch", limit="1000") for _ in range(2))
        )
        assert [d.status_code for d in dispatches] == [200, 200], [d.text for d in dispatches]

        async def all_sent() -> bool:
            sent = await scalar(engine, "select count(*) from email_queue where status = 'sent'")
            return int(sent) == expected_emails

        await eventually(all_sent, timeout=90, what="every email sent", stack=stack)
        await sink.wait_for(expected_emails, timeout=10)
        await asyncio.sleep(1)  # a doubled send would arrive now
        per_id = Counter(str(m["Message-ID"]) for m in sink.messages)
        per_recipient = Counter(str(m["To"]) for m in sink.messages)
        assert len(per_id) == expected_emails
        assert set(per_id.values()) == {1}
        assert set(per_recipient.values()) == {1}

        snap = await snapshot(engine, week)
        assert_no_duplicates(snap)
        assert len(snap["weekly_results"]) == len(snap["leaderboard_results"]) == USERS
        assert len(snap["email_queue"]) == expected_emails
        # badges and awards rows are exactly those the results announce (one instance's worth)
        announced_badges = await scalar(
            engine,
            "select coalesce(sum(jsonb_array_length(badges_awarded)), 0) from weekly_results "
            "where week_start = :start",
            start=week.start,
        )
        announced_awards = await scalar(
            engine,
            "select coalesce(sum(jsonb_array_length(awards_awarded)), 0) from weekly_results "
            "where week_start = :start",
            start=week.start,
        )
        assert len(snap["user_badges"]) == announced_badges > 0
        assert len(snap["awards"]) == announced_awards > 0
        logs = "".join(stack.log(name) for name in ("aggregator", "aggregator-b"))
        assert logs.count(f"run {run.id} for") == 1  # evaluated by exactly one aggregator
    finally:
        await engine.dispose()
