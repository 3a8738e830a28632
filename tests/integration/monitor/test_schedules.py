"""/api/admin/schedules (SPEC 12.1): the list, pause and resume, their audit rows, the gauge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.cron import next_fires
from sportify_common.periods import to_wire
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import ADMIN, CRON, NOW, monitor_client

pytestmark = pytest.mark.integration

ACTOR = {**ADMIN, "X-Sportify-Actor": "ops:alice"}
JOBS = ["weekly-events", "monthly-events", "emails-dispatch", "cleanup", "retention"]


async def audit_entries(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select actor, action, target, reason, details from audit_log order by at, id")
        )
        return [dict(row) for row in result.mappings()]


def by_job(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["jobName"]: entry for entry in answer["schedules"]}


async def test_the_list_shows_every_scheduled_job_with_its_next_five_runs(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get("/api/admin/schedules", headers=ADMIN)

    assert response.status_code == 200
    schedules = by_job(response.json())
    assert list(schedules) == JOBS
    weekly = schedules["weekly-events"]
    assert weekly == {
        "jobName": "weekly-events",
        "cron": "5 0 * * 1",
        "zone": str(settings.zone),
        "paused": False,
        "note": "",
        "changedBy": None,
        "changedAt": None,
        "nextRuns": [to_wire(t) for t in next_fires("5 0 * * 1", NOW, settings.zone, 5)],
        "lastRun": None,
    }
    assert schedules["emails-dispatch"]["nextRuns"][:2] == [
        "2026-03-04T12:15:00.000Z",
        "2026-03-04T12:30:00.000Z",
    ]


async def test_a_pause_is_shown_with_its_note_and_actor_and_no_next_runs(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    paused = await client.post(
        "/api/admin/schedules/weekly-events/pause",
        json={"note": "incident 42", "reason": "rules bug"},
        headers=ACTOR,
    )
    listed = by_job((await client.get("/api/admin/schedules", headers=ADMIN)).json())

    assert paused.status_code == 200
    assert paused.json()["changed"] is True
    assert paused.json()["schedule"] == listed["weekly-events"]
    assert listed["weekly-events"]["paused"] is True
    assert listed["weekly-events"]["note"] == "incident 42"
    assert listed["weekly-events"]["changedBy"] == "ops:alice"
    assert listed["weekly-events"]["changedAt"] == to_wire(NOW)
    assert listed["weekly-events"]["nextRuns"] == []
    assert listed["monthly-events"]["paused"] is False
    assert await audit_entries(engine) == [
        {
            "actor": "ops:alice",
            "action": "schedule.pause",
            "target": "weekly-events",
            "reason": "rules bug",
            "details": {"note": "incident 42"},
        }
    ]


async def test_pausing_a_paused_job_and_resuming_a_running_one_change_nothing_and_audit_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    never_paused = await client.post(
        "/api/admin/schedules/cleanup/resume", json={"note": "x"}, headers=ACTOR
    )
    first = await client.post(
        "/api/admin/schedules/cleanup/pause", json={"note": "first"}, headers=ACTOR
    )
    again = await client.post(
        "/api/admin/schedules/cleanup/pause", json={"note": "second"}, headers=ACTOR
    )
    resumed = await client.post("/api/admin/schedules/cleanup/resume", headers=ACTOR)
    resumed_again = await client.post(
        "/api/admin/schedules/cleanup/resume", json={"note": "y"}, headers=ACTOR
    )

    assert [r.status_code for r in (never_paused, first, again, resumed, resumed_again)] == [
        200
    ] * 5
    assert [r.json()["changed"] for r in (never_paused, first, again, resumed, resumed_again)] == [
        False,
        True,
        False,
        True,
        False,
    ]
    assert never_paused.json()["schedule"]["paused"] is False
    assert again.json()["schedule"]["note"] == "first"
    assert resumed_again.json()["schedule"]["paused"] is False
    assert len(resumed_again.json()["schedule"]["nextRuns"]) == 5
    entries = await audit_entries(engine)  # one instant (a fixed clock): any order
    assert sorted((e["action"], e["details"]["note"]) for e in entries) == [
        ("schedule.pause", "first"),
        ("schedule.resume", ""),
    ]


async def test_an_unknown_job_is_404_and_a_bad_body_is_400(client: httpx.AsyncClient) -> None:
    unknown = await client.post(
        "/api/admin/schedules/weekly/pause", json={"note": "x"}, headers=ADMIN
    )
    no_note = await client.post("/api/admin/schedules/weekly-events/pause", json={}, headers=ADMIN)
    empty_note = await client.post(
        "/api/admin/schedules/weekly-events/pause", json={"note": ""}, headers=ADMIN
    )
    typo = await client.post(
        "/api/admin/schedules/weekly-events/pause", json={"note": "x", "nite": 1}, headers=ADMIN
    )

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not-found")
    assert "weekly-events" in unknown.json()["message"]
    assert [r.status_code for r in (no_note, empty_note, typo)] == [400, 400, 400]


async def test_the_last_run_is_the_run_that_started_last(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        for minute, status in ((0, "completed"), (15, "failed")):
            at = datetime(2026, 3, 4, 11, minute, tzinfo=UTC)
            await conn.execute(
                text(
                    "insert into job_runs (id, job_name, scheduled_for, status, metadata, "
                    "created_at, started_at, completed_at) values (gen_random_uuid(), "
                    "'emails-dispatch', :at, :status, '{}', :at, :at, :at)"
                ),
                {"at": at, "status": status},
            )

    listed = by_job((await client.get("/api/admin/schedules", headers=ADMIN)).json())

    last = listed["emails-dispatch"]["lastRun"]
    assert set(last) == {"id", "status", "scheduledFor", "startedAt", "completedAt"}
    assert (last["status"], last["scheduledFor"]) == ("failed", "2026-03-04T11:15:00.000Z")
    assert listed["cleanup"]["lastRun"] is None


async def test_the_paused_gauge_is_one_for_a_paused_job_and_zero_for_the_others(
    settings: Settings,
) -> None:
    async with monitor_client(settings) as client:
        await client.post(
            "/api/admin/schedules/monthly-events/pause", json={"note": "x"}, headers=ADMIN
        )
        paused = (await client.get("/metrics")).text
        await client.post("/api/admin/schedules/monthly-events/resume", headers=ADMIN)
        resumed = (await client.get("/metrics")).text

    assert 'sportify_schedule_paused{job="monthly-events"} 1.0' in paused
    assert 'sportify_schedule_paused{job="weekly-events"} 0.0' in paused
    assert 'sportify_schedule_paused{job="monthly-events"} 0.0' in resumed


async def test_a_paused_job_can_still_be_triggered_by_hand(
    settings: Settings, engine: AsyncEngine
) -> None:
    quick = settings.model_copy(update={"events_trigger_wait_seconds": 0.05})
    async with monitor_client(quick) as client:
        await client.post(
            "/api/admin/schedules/emails-dispatch/pause", json={"note": "x"}, headers=ADMIN
        )
        triggered = await client.post("/api/events/emails/dispatch", headers=CRON)

    assert triggered.status_code in (200, 202)
    async with engine.connect() as conn:
        runs = (await conn.execute(text("select job_name, metadata from job_runs"))).all()
    assert [(name, meta["trigger"]) for name, meta in runs] == [("emails-dispatch", "http")]
