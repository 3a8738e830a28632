"""What the aggregator does with runs it cannot know, runs that fail and runs already done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.names import JobName
from sportify_common.messages import PeriodClosed
from sportify_common.periods import week_of
from sportify_common.settings import Settings, load_settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import insert_user, insert_workout
from tests.support.webhook import WebhookReceiver

pytestmark = pytest.mark.integration

WEEK = date(2026, 1, 5)


async def job_run(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (await conn.execute(text("select status, metadata from job_runs"))).mappings().one()
        return dict(row)


async def test_unknown_job_run_is_dead_lettered(settings: Settings, engine: AsyncEngine) -> None:
    period = week_of(WEEK, settings.zone)
    message = PeriodClosed(
        job_run_id=uuid4(),
        job_name=JobName.WEEKLY_EVENTS,
        period_start=period.start,
        period_end=period.end,
    )

    async with running_aggregator(settings, engine) as harness:
        await harness.send(message)
        dead = await harness.dead_lettered()

    assert dead["jobRunId"] == str(message.job_run_id)


async def test_bounds_that_are_not_a_week_are_dead_lettered(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(WEEK, settings.zone)

    async with running_aggregator(settings, engine) as harness:
        claim = await harness.claim(period)
        await harness.send(
            PeriodClosed(
                job_run_id=claim.run.id,
                job_name=JobName.WEEKLY_EVENTS,
                period_start=period.start + timedelta(hours=1),
                period_end=period.end,
            )
        )
        dead = await harness.dead_lettered()

    assert dead["jobRunId"] == str(claim.run.id)
    assert (await job_run(engine))["status"] == "pending"


async def test_a_failing_evaluation_marks_the_run_failed_alerts_and_announces_it(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "alert_email": "ops@example.test"})
    period = week_of(WEEK, settings.zone)
    await insert_user(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "create function boom() returns trigger language plpgsql as "
                "$$ begin raise exception 'boom: results are read-only'; end $$"
            )
        )
        await conn.execute(
            text(
                "create trigger no_results before insert on weekly_results "
                "for each row execute function boom()"
            )
        )

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)
        alerts = await harness.wait_emails(1)

    assert finished["status"] == "failed"
    assert finished["result"]["status"] == "error"
    assert finished["result"]["jobRunId"] == finished["jobRunId"]
    assert "boom: results are read-only" in finished["result"]["error"]["message"]
    run = await job_run(engine)
    assert run["status"] == "failed"
    assert run["metadata"]["error"] == finished["result"]["error"]
    assert alerts[0]["kind"] == "alert"
    assert (
        alerts[0]["subject"] == "[Sportify Alert] weekly-events failed for the week of 2026-01-05"
    )
    assert f"/ops/runs/{finished['jobRunId']}" in alerts[0]["bodyText"]
    assert f"/api/admin/jobs/{finished['jobRunId']}" in alerts[0]["bodyText"]
    assert "boom: results are read-only" in alerts[0]["bodyText"]
    assert alerts[0]["recipient"] == "ops@example.test"
    async with engine.connect() as conn:
        written = await conn.execute(text("select count(*) from user_badges"))
        assert written.scalar_one() == 0


async def make_weekly_results_fail(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "create function boom() returns trigger language plpgsql as "
                "$$ begin raise exception 'boom: results are read-only'; end $$"
            )
        )
        await conn.execute(
            text(
                "create trigger no_results before insert on weekly_results "
                "for each row execute function boom()"
            )
        )


async def test_two_weeks_failing_inside_the_dedup_window_are_two_alerts_on_both_channels(
    settings: Settings, engine: AsyncEngine
) -> None:
    receiver = WebhookReceiver().start()
    settings = load_settings(
        **{
            **settings.model_dump(),
            "alert_email": "ops@example.test",
            "alert_webhook_url": receiver.url,
            "events_base_url": "https://ops.sportify.example",
        }
    )
    first, second, third = (week_of(WEEK + timedelta(weeks=n), settings.zone) for n in range(3))
    await insert_user(engine)
    await make_weekly_results_fail(engine)

    try:
        async with running_aggregator(settings, engine) as harness:
            runs = [await harness.run(first), await harness.run(second)]
            await harness.run(first)  # the same week failing again: the same title, not re-sent
            runs.append(await harness.run(third))
            alerts = await harness.wait_emails(3)
            posted = await receiver.wait_for(3)
    finally:
        receiver.stop()

    assert [a["subject"] for a in alerts] == [
        "[Sportify Alert] weekly-events failed for the week of 2026-01-05",
        "[Sportify Alert] weekly-events failed for the week of 2026-01-12",
        "[Sportify Alert] weekly-events failed for the week of 2026-01-19",
    ]
    assert len(harness.emails) == 3
    assert sorted(p["title"] for p in posted) == [a["subject"][17:] for a in alerts]
    by_run = {p["jobRunId"]: p for p in posted}
    for run in runs:
        hook = by_run[run["jobRunId"]]
        assert hook["severity"] == "critical"
        assert hook["url"] == f"https://ops.sportify.example/ops/runs/{run['jobRunId']}"
        assert "boom: results are read-only" in hook["text"]


async def test_a_run_past_the_timeout_is_failed_with_type_timeout(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "job_timeout_seconds": 0.001})
    period = week_of(WEEK, settings.zone)
    await insert_user(engine)

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)

    assert finished["status"] == "failed"
    assert finished["result"]["error"]["type"] == "timeout"
    run = await job_run(engine)
    assert run["status"] == "failed"
    assert run["metadata"]["error"]["type"] == "timeout"


async def test_a_redelivered_completed_run_announces_its_result_again_without_rerunning(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(WEEK, settings.zone)
    user = await insert_user(engine)
    await insert_workout(engine, user, period.start, [("yoga", 1, 5)])

    async with running_aggregator(settings, engine) as harness:
        first = await harness.run(period)
        run_id = UUID(first["jobRunId"])
        await harness.wait_emails(1)
        seen = len(harness.finished)
        await harness.send(
            PeriodClosed(
                job_run_id=run_id,
                job_name=JobName.WEEKLY_EVENTS,
                period_start=period.start,
                period_end=period.end,
            )
        )
        again = await harness.wait_finished(run_id, after=seen)
        emails = len(harness.emails)

    assert again == first
    assert emails == 1
    run = await job_run(engine)
    assert run["metadata"]["attempt"] == 1
    assert run["status"] == "completed"
    assert datetime.now(UTC) > period.end
