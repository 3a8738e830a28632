"""Backfills (SPEC 12.2) end to end: the monitor's runner and the aggregator, in-process, on
real PostgreSQL and RabbitMQ. Eight weeks, one already completed and one failed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import Period, week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.factories import insert_user, insert_workout
from tests.support.job_factories import insert_job_run

WEEKS = [week_of(date(2026, 1, 5) + timedelta(weeks=i), UTC) for i in range(8)]
COMPLETED, FAILED = WEEKS[2], WEEKS[4]
ACTOR = {**ADMIN, "X-Sportify-Actor": "ops-anna"}


async def seed(engine: AsyncEngine) -> dict[str, UUID]:
    user = await insert_user(engine)
    for week in WEEKS:
        await insert_workout(engine, user, week.start + timedelta(hours=30), [("pushups", 20, 10)])
    done_at = datetime(2026, 3, 1, tzinfo=UTC)
    return {
        "completed": await insert_job_run(
            engine,
            job_name="weekly-events",
            status="completed",
            scheduled_for=COMPLETED.end,
            created_at=done_at,
            started_at=done_at,
            completed_at=done_at,
        ),
        "failed": await insert_job_run(
            engine,
            job_name="weekly-events",
            status="failed",
            scheduled_for=FAILED.end,
            created_at=done_at,
            started_at=done_at,
            completed_at=done_at,
        ),
    }


def body(reprocess: str = "missing", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "jobName": "weekly-events",
        "from": WEEKS[0].label,
        "to": WEEKS[-1].label,
        "reprocess": reprocess,
        "dryRun": False,
        "reason": "rules fix 2026-03",
    }
    return fields | overrides


async def wait_done(client: httpx.AsyncClient, backfill_id: str, timeout: float = 45) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            answer = (await client.get(f"/api/admin/backfills/{backfill_id}", headers=ADMIN)).json()
            if answer["backfill"]["status"] != "running":
                return answer["backfill"]
            await asyncio.sleep(0.2)


async def backfill_runs(engine: AsyncEngine, backfill_id: str) -> list[Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "select id, scheduled_for, status, metadata from job_runs "
                "where metadata->>'backfillId' = :id order by scheduled_for"
            ),
            {"id": backfill_id},
        )
        return list(result)


async def results_of(engine: AsyncEngine, period: Period) -> int:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select count(*) from weekly_results where week_start = :start"),
            {"start": period.start},
        )
        return int(result.scalar_one())


@pytest.mark.parametrize(("reprocess", "runs"), [("missing", 6), ("failed", 7), ("all", 8)])
async def test_a_backfill_runs_the_periods_its_reprocess_selects(
    settings: Settings, engine: AsyncEngine, reprocess: str, runs: int
) -> None:
    seeded = await seed(engine)

    async with (
        running_aggregator(settings, engine) as aggregator,
        running_monitor(settings) as (_monitor, client),
    ):
        started = await client.post("/api/admin/backfills", json=body(reprocess), headers=ACTOR)
        assert started.status_code == 202, started.text
        backfill = await wait_done(client, started.json()["backfillId"])

    ran = await backfill_runs(engine, backfill["id"])
    assert len(ran) == runs
    assert backfill["status"] == "completed"
    assert [p["outcome"] for p in backfill["periods"]].count("completed") == runs
    assert all(r.status == "completed" for r in ran)
    first = ran[0].metadata
    assert first["trigger"] == "backfill"
    assert first["actor"] == "ops-anna"
    assert first["reason"] == "rules fix 2026-03"
    assert first["sendEmails"] is False
    forced = {r.id: r.metadata["forced"] for r in ran}
    assert (seeded["completed"] in forced) is (reprocess == "all")
    assert (seeded["failed"] in forced) is (reprocess != "missing")
    assert aggregator.emails == []


async def test_without_send_emails_the_results_are_written_and_no_summary_is_requested(
    settings: Settings, engine: AsyncEngine
) -> None:
    await seed(engine)

    async with (
        running_aggregator(settings, engine) as aggregator,
        running_monitor(settings) as (_monitor, client),
    ):
        started = await client.post(
            "/api/admin/backfills", json=body(to=WEEKS[1].label), headers=ACTOR
        )
        backfill = await wait_done(client, started.json()["backfillId"])

    ran = await backfill_runs(engine, backfill["id"])
    results = [r.metadata["result"]["emailResults"] for r in ran]
    assert len(ran) == 2
    assert all(
        e == {"userId": e["userId"], "status": "skipped", "reason": "emails-disabled"}
        for entries in results
        for e in entries
    )
    assert await results_of(engine, WEEKS[0]) == 1
    assert aggregator.emails == []


async def test_with_send_emails_the_summaries_are_requested(
    settings: Settings, engine: AsyncEngine
) -> None:
    await seed(engine)

    async with (
        running_aggregator(settings, engine) as aggregator,
        running_monitor(settings) as (_monitor, client),
    ):
        started = await client.post(
            "/api/admin/backfills",
            json=body(to=WEEKS[0].label, sendEmails=True),
            headers=ACTOR,
        )
        await wait_done(client, started.json()["backfillId"])
        emails = await aggregator.wait_emails(1)

    assert len(emails) == 1


async def test_a_dry_run_lists_the_plan_and_writes_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    await seed(engine)

    async with running_monitor(settings) as (_monitor, client):
        answer = await client.post(
            "/api/admin/backfills", json=body("failed", dryRun=True), headers=ACTOR
        )

    assert answer.status_code == 200
    periods = answer.json()["periods"]
    assert answer.json()["dryRun"] is True
    assert [p["action"] for p in periods].count("run") == 7
    assert periods[2] == {
        "periodStart": "2026-01-19T00:00:00.000Z",
        "periodEnd": "2026-01-25T23:59:59.999Z",
        "existingStatus": "completed",
        "action": "skip",
    }
    assert periods[4]["existingStatus"] == "failed"
    async with engine.connect() as conn:
        written = await conn.execute(
            text("select (select count(*) from backfills) + (select count(*) from audit_log)")
        )
        assert written.scalar_one() == 0


async def test_starting_and_cancelling_write_audit_rows_and_a_cancel_stops_the_backfill(
    settings: Settings, engine: AsyncEngine
) -> None:
    await seed(engine)

    # No aggregator: the first period's run waits, so the cancel lands while it is in progress.
    async with running_monitor(settings) as (_monitor, client):
        started = await client.post("/api/admin/backfills", json=body(), headers=ACTOR)
        backfill_id = started.json()["backfillId"]
        cancelled = await client.post(
            f"/api/admin/backfills/{backfill_id}/cancel",
            params={"reason": "wrong range"},
            headers=ACTOR,
        )
        again = await client.post(f"/api/admin/backfills/{backfill_id}/cancel", headers=ACTOR)
        listed = await client.get("/api/admin/backfills", params={"limit": 1}, headers=ADMIN)
        audit = await client.get("/api/admin/audit", headers=ADMIN)

    assert cancelled.status_code == 200
    assert cancelled.json()["backfill"]["status"] == "cancelled"
    assert again.status_code == 409
    assert listed.json()["backfills"][0]["id"] == backfill_id
    actions = [(e["action"], e["actor"], e["reason"]) for e in audit.json()["entries"]]
    assert sorted(actions) == [  # one fixed clock: both rows share their instant
        ("backfill.cancel", "ops-anna", "wrong range"),
        ("backfill.start", "ops-anna", "rules fix 2026-03"),
    ]
    outcomes = [p["outcome"] for p in cancelled.json()["backfill"]["periods"]]
    assert outcomes.count("cancelled") >= 7


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to": "2026-03-02"}, "has not ended"),
        ({"from": "2026-02-23", "to": "2026-01-05"}, "after"),
        ({"from": "2023-01-02"}, "at most 104"),
        ({"from": "2026-01-06"}, "not a Monday"),
        ({"jobName": "monthly-events", "from": "2026-01-05"}, "YYYY-MM"),
    ],
)
async def test_a_bad_range_is_refused_with_its_reason(
    client: httpx.AsyncClient, overrides: dict[str, str], message: str
) -> None:
    answer = await client.post("/api/admin/backfills", json=body(**overrides), headers=ADMIN)

    assert answer.status_code == 400
    assert message in answer.json()["message"]


async def test_two_monitor_replicas_run_each_period_once(
    settings: Settings, engine: AsyncEngine
) -> None:
    await seed(engine)

    async with (
        running_aggregator(settings, engine),
        running_monitor(settings) as (_first, client),
        running_monitor(settings) as (_second, _other),
    ):
        started = await client.post("/api/admin/backfills", json=body("all"), headers=ACTOR)
        backfill = await wait_done(client, started.json()["backfillId"])

    ran = await backfill_runs(engine, backfill["id"])
    assert backfill["status"] == "completed"
    assert len(ran) == 8
    fresh = [r for r in ran if r.scheduled_for not in (COMPLETED.end, FAILED.end)]
    assert [r.metadata["attempt"] for r in fresh] == [1] * 6


def planned(week: int) -> dict[str, Any]:
    period = WEEKS[week]
    return {
        "periodStart": period.start.isoformat(),
        "periodEnd": period.end.isoformat(),
        "firstDay": period.first_day.isoformat(),
        "existingStatus": None,
        "action": "run",
    }


async def test_a_cancel_while_no_runner_worked_the_backfill_settles_the_period_in_progress(
    settings: Settings, engine: AsyncEngine
) -> None:
    """The monitor that ran the backfill stopped; it was cancelled meanwhile: a monitor that
    starts later gives the periods it left in progress their outcome, once they have one."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    runs = {}
    for name, status, week in [
        ("done", "completed", 0),
        ("unsent", "pending", 1),
        ("busy", "running", 2),
    ]:
        runs[name] = await insert_job_run(
            engine, job_name="weekly-events", status=status, scheduled_for=WEEKS[week].end,
            created_at=at,
        )  # fmt: skip
    periods = [
        {**planned(0), "runId": str(runs["done"]), "published": True, "outcome": None},
        {**planned(1), "runId": str(runs["unsent"]), "outcome": None},
        {**planned(2), "runId": str(runs["busy"]), "published": True, "outcome": None},
        {**planned(3), "outcome": "cancelled"},
    ]
    backfill_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into backfills (id, job_name, period_from, period_to, reprocess,
                                       send_emails, status, periods, created_by, created_at,
                                       completed_at)
                values (:id, 'weekly-events', :start, :end, 'all', false, 'cancelled',
                        cast(:periods as jsonb), 'ops-anna', :at, :at)
                """
            ),
            {
                "id": backfill_id,
                "start": WEEKS[0].first_day,
                "end": WEEKS[3].first_day,
                "periods": json.dumps(periods),
                "at": at,
            },
        )

    async with running_monitor(settings) as (_monitor, client):
        async with asyncio.timeout(20):
            while True:
                shown = (
                    await client.get(f"/api/admin/backfills/{backfill_id}", headers=ADMIN)
                ).json()["backfill"]
                if shown["periods"][0]["outcome"] is not None:
                    break
                await asyncio.sleep(0.1)

    assert [p["outcome"] for p in shown["periods"]] == ["completed", "cancelled", None, "cancelled"]
    assert shown["status"] == "cancelled"
