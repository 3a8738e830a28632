"""Two scheduler replicas on one database and a pause between slots (SPEC 12.1, 4.6): no replica
runs a paused slot, resume catches none of them up, the next slot runs, and the monitor's
`nextRuns` are the slots the scheduler then fires."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.names import JobName
from sportify_common.periods import to_wire
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.integration.scheduler.support import SharedTime, recorder, wait_for
from tests.integration.scheduler.test_loop import insert_completed, job_runs, run_until_over, utc

pytestmark = pytest.mark.integration


async def replicas(
    make_loop: Callable[..., Any], start: datetime, until: datetime, *, catch_up: int = 1
) -> None:
    """Two scheduler loops from `start` to `until` (catch-up of the last period at start)."""
    time = SharedTime(now=start, until=until, participants=2)
    first = await make_loop(time, catch_up_periods=catch_up)
    second = await make_loop(time, catch_up_periods=catch_up)
    await run_until_over(first, second)


async def schedule(client: httpx.AsyncClient, job: JobName) -> dict[str, Any]:
    answer = (await client.get("/api/admin/schedules", headers=ADMIN)).json()
    return next(s for s in answer["schedules"] if s["jobName"] == job.value)


async def test_paused_slots_are_run_by_no_replica_nor_caught_up_and_the_next_slot_runs(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    # Sunday 2026-02-08 23:40 CET … Monday 00:50 CET. Already done: the week before, January.
    await insert_completed(engine, JobName.WEEKLY_EVENTS, utc(2026, 2, 1, 23))
    await insert_completed(engine, JobName.MONTHLY_EVENTS, utc(2026, 1, 31, 23))
    now = [utc(2026, 2, 8, 22, 40)]
    async with (
        running_monitor(berlin, clock=lambda: now[0]) as (_monitor, client),
        recorder(berlin) as received,
    ):
        await replicas(make_loop, utc(2026, 2, 8, 22, 40), utc(2026, 2, 8, 22, 50))  # 23:45 runs
        now[0] = utc(2026, 2, 8, 22, 50)
        for job in (JobName.EMAILS_DISPATCH, JobName.WEEKLY_EVENTS):
            paused = await client.post(
                f"/api/admin/schedules/{job}/pause", json={"note": "incident"}, headers=ADMIN
            )
            assert paused.json()["changed"] is True
        while_paused = await schedule(client, JobName.EMAILS_DISPATCH)
        # 00:00 and 00:15 (dispatch) and 00:05 (the week's closing slot) pass while paused.
        await replicas(make_loop, utc(2026, 2, 8, 22, 50), utc(2026, 2, 8, 23, 20))
        now[0] = utc(2026, 2, 8, 23, 20)
        for job in (JobName.EMAILS_DISPATCH, JobName.WEEKLY_EVENTS):
            await client.post(f"/api/admin/schedules/{job}/resume", headers=ADMIN)
        resumed = await schedule(client, JobName.EMAILS_DISPATCH)
        # A restart after the resume: catch-up must not publish the week closed while paused.
        await replicas(make_loop, utc(2026, 2, 8, 23, 20), utc(2026, 2, 8, 23, 50))
        await wait_for(received, 3)

    runs = [(r["job_name"], r["scheduled_for"]) for r in await job_runs(engine)]
    assert runs == [
        ("monthly-events", utc(2026, 1, 31, 23)),
        ("weekly-events", utc(2026, 2, 1, 23)),
        ("emails-dispatch", utc(2026, 2, 8, 22, 45)),
        ("emails-dispatch", utc(2026, 2, 8, 23, 30)),
        ("emails-dispatch", utc(2026, 2, 8, 23, 45)),
    ]
    assert [r.routing_key for r in received] == ["emails.dispatch"] * 3
    assert while_paused["paused"] is True
    assert while_paused["nextRuns"] == []
    assert resumed["nextRuns"][:2] == [
        to_wire(utc(2026, 2, 8, 23, 30)),
        to_wire(utc(2026, 2, 8, 23, 45)),
    ]


async def test_a_pause_that_ends_before_the_closing_slot_lets_the_slot_run(
    berlin: Settings, engine: AsyncEngine, make_loop: Callable[..., Any]
) -> None:
    await insert_completed(engine, JobName.WEEKLY_EVENTS, utc(2026, 2, 1, 23))
    await insert_completed(engine, JobName.MONTHLY_EVENTS, utc(2026, 1, 31, 23))
    now = [utc(2026, 2, 8, 22, 50)]
    async with (
        running_monitor(berlin, clock=lambda: now[0]) as (_monitor, client),
        recorder(berlin) as received,
    ):
        await client.post(
            "/api/admin/schedules/weekly-events/pause", json={"note": "x"}, headers=ADMIN
        )
        now[0] = utc(2026, 2, 8, 23, 3)  # Monday 00:03 CET: the week closed, its slot is 00:05
        await client.post("/api/admin/schedules/weekly-events/resume", headers=ADMIN)
        await replicas(make_loop, utc(2026, 2, 8, 23, 3), utc(2026, 2, 8, 23, 10), catch_up=0)
        await wait_for(received, 1)

    assert [r.routing_key for r in received] == ["period.closed"]
    weekly = [r for r in await job_runs(engine) if r["job_name"] == "weekly-events"]
    assert [r["scheduled_for"] for r in weekly] == [utc(2026, 2, 1, 23), utc(2026, 2, 8, 23)]
    assert weekly[1]["metadata"]["trigger"] == "cron"
