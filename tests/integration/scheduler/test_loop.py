from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from asgi_lifespan import LifespanManager
from faststream.exceptions import IncorrectState
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sportify_common.broker import create_broker
from sportify_common.jobs.names import JobName, Trigger
from sportify_common.periods import PeriodKind, closed_periods
from sportify_common.settings import Settings
from sportify_scheduler.app import create_app
from sportify_scheduler.loop import SchedulerLoop
from sportify_scheduler.plan import slot_for
from tests.integration.scheduler.support import SharedTime, SimulationOverError, recorder, wait_for

pytestmark = pytest.mark.integration

LoopFactory = Callable[[SharedTime], SchedulerLoop]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


async def job_runs(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "select id, job_name, scheduled_for, status, metadata from job_runs order by scheduled_for, job_name"
            )
        )
        return [dict(row) for row in result.mappings()]


async def insert_completed(engine: AsyncEngine, job: JobName, scheduled_for: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into job_runs (id, job_name, scheduled_for, status, metadata, created_at, started_at, completed_at) "
                "values (gen_random_uuid(), :job, :at, 'completed', '{\"trigger\": \"cron\"}', :at, :at, :at)"
            ),
            {"job": job.value, "at": scheduled_for},
        )


async def run_until_over(*loops: SchedulerLoop) -> None:
    results = await asyncio.gather(*(loop.run() for loop in loops), return_exceptions=True)
    for result in results:
        if not isinstance(result, SimulationOverError):
            raise AssertionError(f"the loop ended with {result!r}")


async def test_the_app_publishes_period_closed_for_the_week_just_ended_at_monday_0005_local(
    berlin: Settings, engine: AsyncEngine
) -> None:
    # Monday 2026-02-09 00:04 CET until 00:07 CET.
    time = SharedTime(now=utc(2026, 2, 8, 23, 4), until=utc(2026, 2, 8, 23, 7), block=True)
    app = create_app(
        berlin.model_copy(update={"scheduler_catch_up_periods": 0}),
        clock=time.clock,
        sleep=time.sleep,
    )

    async with recorder(berlin) as received, LifespanManager(app):
        await wait_for(received, 1)

    assert [r.routing_key for r in received] == ["period.closed"]
    body = received[0].body
    assert body["jobName"] == "weekly-events"
    assert body["periodStart"].startswith("2026-02-01T23:00:00")
    assert body["periodEnd"].startswith("2026-02-08T23:00:00")
    assert body["force"] is False
    (run,) = await job_runs(engine)
    assert run["id"] == UUID(body["jobRunId"])
    assert run["scheduled_for"] == utc(2026, 2, 8, 23)
    assert run["metadata"]["trigger"] == "cron"
    assert run["metadata"]["slot"] == "2026-02-08T23:05:00.000Z"


async def test_catch_up_publishes_missed_weeks_and_months_but_not_completed_ones(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    now = utc(2026, 3, 4, 9, 1)  # Wednesday, nothing scheduled in the next minute
    weeks = closed_periods(PeriodKind.WEEKLY, now, berlin.zone, 3)
    months = closed_periods(PeriodKind.MONTHLY, now, berlin.zone, 3)
    await insert_completed(engine, JobName.WEEKLY_EVENTS, weeks[0].end)
    await insert_completed(engine, JobName.MONTHLY_EVENTS, months[0].end)
    time = SharedTime(now=now, until=now + timedelta(minutes=1))

    async with recorder(berlin) as received:
        loop = await make_loop(time, catch_up_periods=3)
        await run_until_over(loop)
        await wait_for(received, 4)

    published = sorted((r.body["jobName"], r.body["periodEnd"][:19]) for r in received)
    assert published == sorted(
        [("weekly-events", p.end.isoformat()[:19]) for p in weeks[1:]]
        + [("monthly-events", p.end.isoformat()[:19]) for p in months[1:]]
    )
    runs = await job_runs(engine)
    by_id = {run["id"]: run for run in runs}
    assert all(
        by_id[UUID(r.body["jobRunId"])]["metadata"]["trigger"] == "catch-up" for r in received
    )
    assert sum(run["status"] == "completed" for run in runs) == 2
    assert len(runs) == 6


async def test_two_scheduler_replicas_claim_and_publish_each_slot_exactly_once(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    # Sunday 23:40 CET to Monday 00:20 CET: dispatch at 23:45, 00:00, 00:15; weekly at 00:05;
    # catch-up (depth 1) at start: the week of 2026-01-26 and January.
    time = SharedTime(now=utc(2026, 2, 8, 22, 40), until=utc(2026, 2, 8, 23, 20), participants=2)

    async with recorder(berlin) as received:
        first = await make_loop(time, catch_up_periods=1)
        second = await make_loop(time, catch_up_periods=1)
        await run_until_over(first, second)
        await wait_for(received, 6)

    runs = await job_runs(engine)
    assert sorted((run["job_name"], run["scheduled_for"]) for run in runs) == sorted(
        [
            ("weekly-events", utc(2026, 2, 1, 23)),
            ("monthly-events", utc(2026, 1, 31, 23)),
            ("emails-dispatch", utc(2026, 2, 8, 22, 45)),
            ("emails-dispatch", utc(2026, 2, 8, 23, 0)),
            ("weekly-events", utc(2026, 2, 8, 23, 0)),
            ("emails-dispatch", utc(2026, 2, 8, 23, 15)),
        ]
    )
    assert sorted(UUID(r.body["jobRunId"]) for r in received) == sorted(run["id"] for run in runs)
    assert sorted(r.routing_key for r in received) == sorted(
        ["period.closed"] * 3 + ["emails.dispatch"] * 3
    )


async def test_a_failed_publish_is_retried_for_the_same_run(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    time = SharedTime(now=utc(2026, 2, 8, 23, 15), until=utc(2026, 2, 8, 23, 16))
    loop = await make_loop(time)
    slot = slot_for(JobName.EMAILS_DISPATCH, utc(2026, 2, 8, 23, 15), berlin.zone)
    connected = loop.context
    unstarted = create_broker(berlin.amqp_url, service="scheduler", registry=CollectorRegistry())
    loop.context = replace(connected, broker=unstarted)

    with pytest.raises(IncorrectState):  # the broker is down: nothing was published
        await loop.fire(slot, trigger=Trigger.CRON, now=time.now)
    loop.context = connected
    async with recorder(berlin) as received:
        published = await loop.fire(slot, trigger=Trigger.CRON, now=time.now)
        await wait_for(received, 1)

    (run,) = await job_runs(engine)
    assert published
    assert received[0].body == {"jobRunId": str(run["id"]), "limit": 25}
    assert run["status"] == "pending"


async def test_a_database_outage_does_not_stop_the_loop(
    berlin: Settings, make_loop: Callable[..., Any]
) -> None:
    time = SharedTime(now=utc(2026, 2, 8, 23, 14), until=utc(2026, 2, 8, 23, 16))
    loop = await make_loop(time)
    healthy = loop.context
    broken = create_async_engine(
        berlin.async_database_url.replace("127.0.0.1:5432", "127.0.0.1:1").replace(
            "localhost:5432", "127.0.0.1:1"
        )
    )
    loop.context = replace(healthy, engine=broken)

    assert await loop.tick(utc(2026, 2, 8, 23, 14))  # nothing due yet: plans 23:15

    ok = await loop.tick(utc(2026, 2, 8, 23, 15))
    loop.context = healthy
    await broken.dispose()
    async with recorder(berlin) as received:
        recovered = await loop.tick(utc(2026, 2, 8, 23, 15, 5))
        await wait_for(received, 1)

    assert not ok
    assert recovered
    assert [r.routing_key for r in received] == ["emails.dispatch"]
    assert loop.next_fires()[JobName.EMAILS_DISPATCH] == utc(2026, 2, 8, 23, 30)


async def test_a_late_wake_up_fires_the_overdue_slot_once_and_skips_the_rest(
    engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    time = SharedTime(now=utc(2026, 2, 8, 23, 14), until=utc(2026, 2, 9))
    loop = await make_loop(time)
    assert await loop.tick(utc(2026, 2, 8, 23, 14))  # plans dispatch at 23:15

    assert await loop.tick(utc(2026, 2, 8, 23, 50))  # woke 35 minutes late

    runs = await job_runs(engine)
    assert [(run["job_name"], run["scheduled_for"]) for run in runs] == [
        ("emails-dispatch", utc(2026, 2, 8, 23, 15))
    ]
    assert loop.next_fires()[JobName.EMAILS_DISPATCH] == utc(2026, 2, 9, 0, 0)


async def test_a_clock_that_goes_back_replans_from_the_new_time(
    make_loop: Callable[..., Any],
) -> None:
    time = SharedTime(now=utc(2026, 2, 8, 23, 14), until=utc(2026, 2, 9))
    loop = await make_loop(time)
    assert await loop.tick(utc(2026, 2, 8, 23, 14))

    assert await loop.tick(utc(2026, 2, 8, 21, 59))

    assert loop.next_fires()[JobName.EMAILS_DISPATCH] == utc(2026, 2, 8, 22, 0)


async def test_the_retention_slot_at_0300_local_claims_its_run_and_publishes_jobs_retention(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    # Tuesday 2026-02-10 02:59 CET to 03:01 CET: retention (and a dispatch) at 03:00.
    time = SharedTime(now=utc(2026, 2, 10, 1, 59), until=utc(2026, 2, 10, 2, 1))

    async with recorder(berlin) as received:
        loop = await make_loop(time)
        await run_until_over(loop)
        await wait_for(received, 2)

    (retention,) = [r for r in received if r.routing_key == "jobs.retention"]
    runs = {run["job_name"]: run for run in await job_runs(engine)}
    assert set(runs) == {"retention", "emails-dispatch"}
    assert runs["retention"]["scheduled_for"] == utc(2026, 2, 10, 2)
    assert runs["retention"]["metadata"]["trigger"] == "cron"
    assert retention.body == {"jobRunId": str(runs["retention"]["id"])}
