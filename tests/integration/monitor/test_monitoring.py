"""The monitoring document: its windows at their edges, stuck jobs, email stats and recent."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import to_wire
from sportify_common.settings import Settings, load_settings
from tests.integration.monitor.conftest import ADMIN, NOW, monitor_client
from tests.support.job_factories import insert_email, insert_job_run

MINUTE = timedelta(minutes=1)


async def _run(engine: AsyncEngine, job: str, status: str, age: timedelta, **extra: Any) -> str:
    started = NOW - age
    run_id = await insert_job_run(
        engine,
        job_name=job,
        status=status,
        scheduled_for=started,
        created_at=started,
        started_at=started,
        completed_at=None if status == "running" else started + MINUTE,
        **extra,
    )
    return str(run_id)


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/admin/monitoring", headers=ADMIN)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_job_stats_cover_exactly_the_last_30_days(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await _run(engine, "weekly-events", "completed", timedelta(days=29, hours=23))
    await _run(engine, "weekly-events", "failed", timedelta(days=2))
    await _run(engine, "monthly-events", "completed", timedelta(days=30, hours=1))

    document = await _document(client)

    assert document["jobs"]["stats"] == [
        {
            "jobName": "weekly-events",
            "status": "failed",
            "count": 2,
            "lastRun": to_wire(NOW - timedelta(days=2)),
            "failedCount": 1,
            "runningCount": 0,
            "completedCount": 1,
            "pendingCount": 0,
        }
    ]


async def test_recent_failures_cover_exactly_the_last_7_days(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await _run(engine, "emails-dispatch", "failed", timedelta(days=6, hours=23))
    await _run(engine, "emails-dispatch", "failed", timedelta(days=1))
    await _run(engine, "cleanup", "failed", timedelta(days=7, hours=1))
    await _run(engine, "weekly-events", "completed", timedelta(days=1))

    document = await _document(client)

    assert document["jobs"]["recentFailures"] == [{"jobName": "emails-dispatch", "count": 2}]


async def test_stuck_jobs_are_runs_running_longer_than_the_threshold(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    stuck = await _run(engine, "weekly-events", "running", timedelta(minutes=61))
    await _run(engine, "monthly-events", "running", timedelta(minutes=59))

    document = await _document(client)

    assert [job["id"] for job in document["jobs"]["stuckJobs"]] == [stuck]
    assert set(document["jobs"]["stuckJobs"][0]) == {"id", "jobName", "scheduledFor", "startedAt"}


async def test_email_windows_7_days_for_stats_and_24_hours_for_recent(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    newest = await insert_email(engine, created_at=NOW - timedelta(minutes=5), status="pending")
    edge = await insert_email(
        engine,
        created_at=NOW - timedelta(hours=23, minutes=59),
        status="failed",
        failed_after_retries=True,
        attempts=3,
        error="451 try again",
    )
    await insert_email(engine, created_at=NOW - timedelta(hours=24, minutes=1), status="sent")
    await insert_email(engine, created_at=NOW - timedelta(days=6, hours=23), status="failed")
    await insert_email(engine, created_at=NOW - timedelta(days=7, hours=1), status="sent")

    document = await _document(client)

    assert document["emails"]["stats"] == [
        {"status": "failed", "count": 2, "failedAfterRetries": 1},
        {"status": "pending", "count": 1, "failedAfterRetries": 0},
        {"status": "sent", "count": 1, "failedAfterRetries": 0},
    ]
    recent = document["emails"]["recent"]
    assert [email["id"] for email in recent] == [str(newest), str(edge)]
    assert recent[1]["error"] == "451 try again"
    assert recent[1]["attempts"] == 3
    assert recent[1]["createdAt"] == to_wire(NOW - timedelta(hours=23, minutes=59))


async def test_recent_emails_are_capped_at_100(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for minutes in range(105):
        await insert_email(engine, created_at=NOW - timedelta(minutes=minutes))

    document = await _document(client)

    assert len(document["emails"]["recent"]) == 100
    assert document["emails"]["recent"][0]["createdAt"] == to_wire(NOW)


async def test_the_document_has_exactly_the_spec_sections(client: httpx.AsyncClient) -> None:
    document = await _document(client)

    assert set(document) == {"status", "jobs", "emails"}
    assert set(document["jobs"]) == {"stats", "recentFailures", "stuckJobs"}
    assert set(document["emails"]) == {"stats", "recent"}


async def test_job_history_filters_and_orders_newest_first(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    older = await _run(engine, "weekly-events", "failed", timedelta(days=3))
    newer = await _run(engine, "weekly-events", "failed", timedelta(days=1))
    await _run(engine, "weekly-events", "completed", timedelta(hours=1))
    await _run(engine, "cleanup", "failed", timedelta(hours=2))

    response = await client.get(
        "/api/admin/jobs?jobName=weekly-events&status=failed&limit=5", headers=ADMIN
    )

    assert response.status_code == 200
    assert [job["id"] for job in response.json()["jobs"]] == [newer, older]


async def test_the_document_is_reused_for_monitoring_cache_seconds_then_reloaded(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "monitoring_cache_seconds": 1.5})
    async with monitor_client(settings) as client:
        before = await _document(client)
        await _run(engine, "cleanup", "failed", timedelta(hours=1))

        cached = await _document(client)
        await asyncio.sleep(1.6)
        reloaded = await _document(client)

    assert before["jobs"]["recentFailures"] == []
    assert cached == before
    assert reloaded["jobs"]["recentFailures"] == [{"jobName": "cleanup", "count": 1}]


async def test_a_job_list_entry_carries_the_run_and_only_trigger_and_attempt_of_its_metadata(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    started = NOW - timedelta(hours=2, microseconds=1500)
    full = await insert_job_run(
        engine,
        job_name="weekly-events",
        status="completed",
        scheduled_for=NOW - timedelta(hours=3),
        created_at=started,
        started_at=started,
        completed_at=started + MINUTE,
        metadata={"trigger": "http", "attempt": 2, "result": {"processedUsers": 7}},
    )
    odd = await insert_job_run(
        engine,
        job_name="cleanup",
        status="pending",
        scheduled_for=NOW - timedelta(hours=1),
        created_at=NOW - timedelta(hours=1),
        metadata={"trigger": 5, "attempt": "2"},
    )

    response = await client.get("/api/admin/jobs", headers=ADMIN)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "jobs": [
            {
                "id": str(odd),
                "jobName": "cleanup",
                "scheduledFor": "2026-03-04T11:00:00.000Z",
                "status": "pending",
                "startedAt": None,
                "completedAt": None,
                "createdAt": "2026-03-04T11:00:00.000Z",
                "trigger": None,
                "attempt": None,
            },
            {
                "id": str(full),
                "jobName": "weekly-events",
                "scheduledFor": "2026-03-04T09:00:00.000Z",
                "status": "completed",
                "startedAt": "2026-03-04T09:59:59.998Z",
                "completedAt": "2026-03-04T10:00:59.998Z",
                "createdAt": "2026-03-04T09:59:59.998Z",
                "trigger": "http",
                "attempt": 2,
            },
        ],
    }
