"""Cancel of a run whose aggregator is gone (SPEC 12.5): the monitor answers 202 after its wait,
the mark stays, and when the run's period.closed is redelivered the aggregator fails it as
`cancelled` at once instead of evaluating the period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.names import JobName
from sportify_common.messages import PeriodClosed
from sportify_common.periods import week_of
from sportify_common.settings import Settings
from sportify_monitor import run_cancel
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.factories import insert_user, insert_workout
from tests.support.job_factories import insert_job_run

pytestmark = pytest.mark.integration

WEEK = week_of(date(2026, 2, 16), UTC)


async def run_row(engine: AsyncEngine, run_id: Any) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("select status, metadata from job_runs where id = :id"), {"id": run_id}
            )
        ).one()


async def test_a_cancel_of_a_run_nobody_works_on_is_accepted_and_the_redelivery_fails_it(
    settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_cancel, "CANCEL_WAIT_SECONDS", 0.5)
    user = await insert_user(engine)
    await insert_workout(engine, user, WEEK.start + timedelta(hours=8), [("pushups", 10, 20)])
    started = datetime(2026, 2, 23, 0, 5, tzinfo=UTC)
    run_id = await insert_job_run(
        engine, job_name="weekly-events", status="running", scheduled_for=WEEK.end,
        created_at=started, started_at=started, metadata={"trigger": "cron", "attempt": 1},
    )  # fmt: skip

    async with running_monitor(settings) as (_monitor, client):
        answer = await client.post(
            f"/api/admin/jobs/{run_id}/cancel",
            headers={**ADMIN, "X-Sportify-Actor": "ops-mia"},
            json={"reason": "aggregator host lost"},
        )
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["runStatus"] == "running"
    assert body["cancelled"] is False
    assert body["statusUrl"] == f"/api/admin/jobs/{run_id}"
    status, metadata = await run_row(engine, run_id)
    assert status == "running"
    assert metadata["cancelRequested"]["actor"] == "ops-mia"

    async with running_aggregator(settings, engine) as aggregator:
        await aggregator.send(
            PeriodClosed(
                job_run_id=run_id,
                job_name=JobName.WEEKLY_EVENTS,
                period_start=WEEK.start,
                period_end=WEEK.end,
            )
        )
        finished = await aggregator.wait_finished(run_id)
    assert finished["status"] == "failed"
    assert finished["result"]["error"]["type"] == "cancelled"
    status, metadata = await run_row(engine, run_id)
    assert (status, metadata["error"]["type"]) == ("failed", "cancelled")
    async with engine.connect() as conn:
        written = (await conn.execute(text("select count(*) from weekly_results"))).scalar_one()
        alerts = (
            await conn.execute(text("select count(*) from email_queue where kind = 'alert'"))
        ).scalar_one()
        audit = (await conn.execute(text("select action, reason from audit_log"))).all()
    assert written == 0, "a cancelled run's redelivery evaluated the period"
    assert alerts == 0
    assert [tuple(a) for a in audit] == [("jobs.cancel", "aggregator host lost")]
    assert aggregator.emails == []
