"""A monitor process killed (SIGKILL) in the middle of a backfill, and a new one started: the
backfill completes where it stopped, and no period runs twice (SPEC 12.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import insert_user, insert_workout
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e

WEEKS = [week_of(date(2026, 1, 5) + timedelta(weeks=i), UTC) for i in range(8)]


async def runs_of(engine: AsyncEngine, backfill_id: str) -> list[Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "select scheduled_for, status, metadata from job_runs "
                "where metadata->>'backfillId' = :id order by scheduled_for"
            ),
            {"id": backfill_id},
        )
        return list(result)


async def wait_for(predicate: Callable[[], Any], timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():  # noqa: ASYNC110 - polls the database and the API
            await asyncio.sleep(0.1)


async def test_a_monitor_killed_mid_backfill_is_replaced_and_the_backfill_completes_once(
    settings: Settings,
    engine: AsyncEngine,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    user = await insert_user(engine)
    for week in WEEKS:
        await insert_workout(engine, user, week.start + timedelta(hours=5), [("situps", 30, 15)])
    stack = service_stack(settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0"))
    admin = {"Authorization": f"Bearer {stack.env['ADMIN_API_TOKEN']}"}

    async with running_aggregator(settings, engine):
        # The first period's evaluation blocks on this lock, so the monitor dies mid-period.
        blocker = await engine.connect()
        await blocker.execute(text("lock table weekly_results in access exclusive mode"))
        stack.start("monitor")
        await stack.wait_ready()
        async with httpx.AsyncClient(base_url=stack.monitor_url, headers=admin) as client:
            started = await client.post(
                "/api/admin/backfills",
                json={"jobName": "weekly-events", "from": WEEKS[0].label,
                      "to": WEEKS[-1].label, "reprocess": "missing", "dryRun": False},
            )  # fmt: skip
        assert started.status_code == 202, started.text
        backfill_id = started.json()["backfillId"]

        async def first_running() -> bool:
            runs = await runs_of(engine, backfill_id)
            return bool(runs) and runs[0].status == "running"

        await wait_for(first_running)
        stack.kill("monitor")
        del stack.processes["monitor"]  # dead on purpose: wait_ready checks the living
        await blocker.rollback()
        await blocker.close()
        stack.start("monitor", name="monitor-2")
        await stack.wait_ready()

        async def finished() -> bool:
            async with httpx.AsyncClient(base_url=stack.monitor_url, headers=admin) as client:
                answer = await client.get(f"/api/admin/backfills/{backfill_id}")
            return bool(answer.json()["backfill"]["status"] != "running")

        await wait_for(finished, timeout=90)
        async with httpx.AsyncClient(base_url=stack.monitor_url, headers=admin) as client:
            backfill = (await client.get(f"/api/admin/backfills/{backfill_id}")).json()

    runs = await runs_of(engine, backfill_id)
    assert backfill["backfill"]["status"] == "completed"
    assert [p["outcome"] for p in backfill["backfill"]["periods"]] == ["completed"] * 8
    assert [r.scheduled_for for r in runs] == [w.end for w in WEEKS]
    assert [r.metadata["attempt"] for r in runs] == [1] * 8
    assert all(r.status == "completed" for r in runs)
