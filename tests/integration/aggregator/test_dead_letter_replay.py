"""Replay of a dead letter that then succeeds (SPEC 12.5): a `period.closed` for a run whose
row did not exist is dead-lettered; once the row exists, a replay through the monitor's admin
API completes the run and empties the DLQ. Aggregator and monitor in-process, real broker."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.handlers import SERVICE
from sportify_common.jobs.names import JobName
from sportify_common.messages import PeriodClosed, RoutingKey
from sportify_common.periods import week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.factories import insert_user, insert_workout

pytestmark = pytest.mark.integration

WEEK = date(2026, 1, 5)


async def test_a_period_closed_dead_lettered_for_a_missing_run_row_completes_when_replayed(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(WEEK, settings.zone)
    ada = await insert_user(engine, email="ada@example.test")
    await insert_workout(engine, ada, period.start + timedelta(hours=3), [("pushups", 30, 30)])
    run_id = uuid4()
    message = PeriodClosed(
        job_run_id=run_id,
        job_name=JobName.WEEKLY_EVENTS,
        period_start=period.start,
        period_end=period.end,
    )

    async with (
        running_aggregator(settings, engine) as harness,
        running_monitor(settings) as (_monitor, client),
    ):
        dlq = harness.topology.dead_letter_queue(SERVICE, RoutingKey.PERIOD_CLOSED).name
        await harness.send(message)  # no job_runs row with this id yet: dead-lettered
        for _ in range(150):
            peek = (await client.get(f"/api/admin/dead-letters/{dlq}", headers=ADMIN)).json()
            if peek["messages"]:
                break
            await asyncio.sleep(0.1)
        assert peek["depth"] == 1
        letter = peek["messages"][0]
        assert letter["routingKey"] == RoutingKey.PERIOD_CLOSED.value
        assert letter["reason"] == "rejected"
        assert str(run_id) in letter["body"]

        async with engine.begin() as conn:  # the row that was missing
            await conn.execute(
                text(
                    "insert into job_runs (id, job_name, scheduled_for, status, metadata, "
                    "created_at) values (:id, 'weekly-events', :end, 'pending', "
                    """'{"trigger": "http", "attempt": 1}', :now)"""
                ),
                {"id": run_id, "end": period.end, "now": datetime.now(UTC)},
            )
        seen = len(harness.finished)
        replay = await client.post(
            f"/api/admin/dead-letters/{dlq}/replay",
            json={"limit": 10, "reason": "run row restored"},
            headers={**ADMIN, "X-Sportify-Actor": "ops:ada"},
        )
        finished = await harness.wait_finished(run_id, after=seen)
        queues = (await client.get("/api/admin/dead-letters", headers=ADMIN)).json()["queues"]

    assert replay.status_code == 200, replay.text
    assert replay.json() == {"status": "ok", "queue": dlq, "replayed": 1}
    assert finished["status"] == "completed"
    assert finished["result"]["processedUsers"] == 1
    assert {q["queue"]: q["depth"] for q in queues}[dlq] == 0
    async with engine.connect() as conn:
        status = (
            await conn.execute(text("select status from job_runs where id = :id"), {"id": run_id})
        ).scalar_one()
        results = (await conn.execute(text("select count(*) from weekly_results"))).scalar_one()
        entry = (
            (await conn.execute(text("select actor, target, reason, details from audit_log")))
            .mappings()
            .one()
        )
    assert status == "completed"
    assert results == 1
    assert dict(entry) == {
        "actor": "ops:ada",
        "target": dlq,
        "reason": "run row restored",
        "details": {"limit": 10, "replayed": 1},
    }
