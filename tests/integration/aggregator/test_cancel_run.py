"""Cancel of a running run (SPEC 12.5), through the monitor's admin API, against the real
aggregator in-process: in the middle of a 20,000-user weekly run (its results transaction
running) the run ends `failed` with error.type `cancelled` within 10 s, nothing of the week is
written, no alert is raised, and the next run of the week completes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta, tzinfo
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.records import Summary
from sportify_aggregator.sql import results
from sportify_cli.seed import SeedPlan, seed
from sportify_common.clock import utc_now
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName
from sportify_common.messages import PeriodClosed
from sportify_common.periods import Period, PeriodKind, latest_closed, week_of
from sportify_common.settings import Settings, load_settings
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.factories import insert_user, insert_workout
from tests.support.job_factories import insert_job_run

pytestmark = pytest.mark.integration

USERS = 20_000


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_a_cancel_in_the_middle_of_a_20000_user_run_writes_nothing_and_the_next_run_completes(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "alert_email": "ops@example.test"})
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    await seed(settings, SeedPlan(users=USERS, end=week.end))

    async with (
        running_aggregator(settings, engine) as harness,
        running_monitor(settings, clock=utc_now) as (_monitor, client),
    ):
        claim = await harness.claim(week)
        run_id = claim.run.id
        await harness.send(
            PeriodClosed(
                job_run_id=run_id,
                job_name=JobName.WEEKLY_EVENTS,
                period_start=week.start,
                period_end=week.end,
            )
        )
        async with asyncio.timeout(60):  # the results transaction is open (its backend noted)
            while True:
                sql = "select metadata ? 'resultsBackend' from job_runs where id = :id"
                if await scalar(engine, sql, id=run_id):
                    break
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # inside its statements
        began = time.monotonic()
        cancel = await client.post(
            f"/api/admin/jobs/{run_id}/cancel",
            json={"reason": "wrong rules deployed"},
            headers={**ADMIN, "X-Sportify-Actor": "ops:grace"},
        )
        took = time.monotonic() - began
        again = await client.post(f"/api/admin/jobs/{run_id}/cancel", headers=ADMIN)
        cancelled_run = (await client.get(f"/api/admin/jobs/{run_id}", headers=ADMIN)).json()
        written = {
            table: await scalar(engine, f"select count(*) from {table}")
            for table in ("weekly_results", "leaderboard_results", "user_badges", "awards")
        }
        alerts = await scalar(engine, "select count(*) from alerts_sent")
        requested_while_cancelled = len(harness.emails)

        # the failed run is simply run again: 20,000 users' results and summaries
        finished = await harness.run(week, timeout=120)
        results_after = await scalar(engine, "select count(*) from weekly_results")

    assert cancel.status_code == 200, cancel.text
    body = cancel.json()
    assert body["status"] == "ok"
    assert body["runStatus"] == "failed"
    assert body["cancelled"] is True
    assert body["statementCancelled"] is True
    assert body["error"]["type"] == "cancelled"
    assert body["error"]["message"] == "cancelled by ops:grace: wrong rules deployed"
    assert took < 10
    assert again.status_code == 409
    assert cancelled_run["job"]["status"] == "failed"
    assert cancelled_run["job"]["metadata"]["cancelRequested"]["actor"] == "ops:grace"
    assert written == {"weekly_results": 0, "leaderboard_results": 0, "user_badges": 0, "awards": 0}
    assert alerts == 0
    assert requested_while_cancelled == 0
    assert finished["status"] == "completed", finished
    assert finished["result"]["processedUsers"] == USERS
    assert results_after > 0
    async with engine.connect() as conn:
        audit = (
            (await conn.execute(text("select actor, action, target, reason from audit_log")))
            .mappings()
            .all()
        )
        metadata = (
            await conn.execute(text("select metadata from job_runs where id = :id"), {"id": run_id})
        ).scalar_one()
    assert [dict(a) for a in audit] == [
        {
            "actor": "ops:grace",
            "action": "jobs.cancel",
            "target": str(run_id),
            "reason": "wrong rules deployed",
        }
    ]
    assert "cancelRequested" not in metadata  # the rerun started clean
    assert metadata["attempt"] == 2


async def test_cancel_is_409_for_a_run_that_is_not_running_and_404_for_an_unknown_one(
    settings: Settings, engine: AsyncEngine
) -> None:
    now = utc_now()
    completed = await insert_job_run(
        engine, job_name="weekly-events", status="completed", scheduled_for=now, created_at=now
    )
    dispatch = await insert_job_run(
        engine, job_name="emails-dispatch", status="running", scheduled_for=now, created_at=now,
        started_at=now,
    )  # fmt: skip

    async with running_monitor(settings) as (_monitor, client):
        answers = [
            await client.post(f"/api/admin/jobs/{completed}/cancel", headers=ADMIN),
            await client.post(f"/api/admin/jobs/{dispatch}/cancel", headers=ADMIN),
            await client.post(
                "/api/admin/jobs/00000000-0000-4000-8000-000000000000/cancel", headers=ADMIN
            ),
            await client.post("/api/admin/jobs/not-a-uuid/cancel", headers=ADMIN),
        ]

    assert [a.status_code for a in answers] == [409, 409, 404, 400]
    assert "completed, not running" in answers[0].json()["message"]
    assert await scalar(engine, "select count(*) from audit_log") == 0


async def test_a_cancel_after_the_results_committed_stops_the_summary_requests(
    settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The results stay (they were committed whole), the summaries already requested stay,
    no further one is requested, and the run fails `cancelled` without an alert."""
    week = week_of(date(2026, 1, 5), settings.zone)
    users = [await insert_user(engine, email=f"u{n}@example.test") for n in range(3)]
    for user in users:
        await insert_workout(engine, user, week.start + timedelta(hours=2), [("pushups", 10, 10)])
    streamed = results.summary_batches

    async def cancelled_after_the_first_batch(
        engine_: AsyncEngine, period: Period, *, size: int, zone: tzinfo
    ) -> AsyncIterator[list[Summary]]:
        first = True
        async for batch in streamed(engine_, period, size=1, zone=zone):
            if not first:  # the operator's cancel lands between two batches
                async with engine.begin() as conn:
                    await jobs.request_cancel(
                        conn, run_id, actor="ops:ada", reason=None, now=utc_now()
                    )
            first = False
            yield batch

    monkeypatch.setattr(results, "summary_batches", cancelled_after_the_first_batch)
    settings = load_settings(**{**settings.model_dump(), "alert_email": "ops@example.test"})
    async with running_aggregator(settings, engine) as harness:
        claim = await harness.claim(week)
        run_id = claim.run.id
        await harness.send(
            PeriodClosed(
                job_run_id=run_id,
                job_name=JobName.WEEKLY_EVENTS,
                period_start=week.start,
                period_end=week.end,
            )
        )
        finished = await harness.wait_finished(run_id)
        await asyncio.sleep(0.3)  # any straggling email.requested would arrive by now

    assert finished["status"] == "failed"
    assert finished["result"]["error"] == {"type": "cancelled", "message": "cancelled by ops:ada"}
    assert await scalar(engine, "select count(*) from weekly_results") == 3
    assert len(harness.emails) == 1
    assert await scalar(engine, "select count(*) from alerts_sent") == 0
