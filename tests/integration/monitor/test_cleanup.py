"""Cleanup: stuck runs become failed with a reason, recorded as a `cleanup` run, one alert."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import aio_pika
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.messages import CleanupJobs, RoutingKey
from sportify_common.periods import to_wire
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import (
    ADMIN,
    CRON,
    NOW,
    collector,
    monitor_client,
    publish_message,
    topology_of,
)
from tests.support.job_factories import insert_job_run, job_run


def _alerting(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"alert_email": "ops@example.test", "stuck_job_threshold_minutes": 60}
    )


async def _stuck_and_fresh(engine: AsyncEngine) -> tuple[UUID, UUID]:
    stuck = await insert_job_run(
        engine,
        job_name="weekly-events",
        status="running",
        scheduled_for=NOW - timedelta(days=2),
        created_at=NOW - timedelta(hours=2),
        started_at=NOW - timedelta(hours=2),
    )
    fresh = await insert_job_run(
        engine,
        job_name="monthly-events",
        status="running",
        scheduled_for=NOW - timedelta(days=3),
        created_at=NOW - timedelta(minutes=30),
        started_at=NOW - timedelta(minutes=30),
    )
    return stuck, fresh


async def test_cleanup_fails_stuck_runs_records_itself_and_raises_one_alert(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = _alerting(settings)
    stuck, fresh = await _stuck_and_fresh(engine)

    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/cleanup", headers=CRON)
        alert = await asyncio.wait_for(emails.get(), timeout=10)

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["cleaned"] == 1
    assert body["jobs"] == [
        {
            "id": str(stuck),
            "jobName": "weekly-events",
            "scheduledFor": to_wire(NOW - timedelta(days=2)),
            "startedAt": to_wire(NOW - timedelta(hours=2)),
        }
    ]
    cleaned = await job_run(engine, stuck)
    assert cleaned["status"] == "failed"
    assert cleaned["completed_at"] == NOW
    assert "60 minutes" in cleaned["metadata"]["cleanup_reason"]
    assert (await job_run(engine, fresh))["status"] == "running"
    record = await job_run(engine, UUID(body["jobRunId"]))
    assert (record["job_name"], record["status"]) == ("cleanup", "completed")
    assert record["metadata"]["cleaned"] == 1
    assert record["metadata"]["trigger"] == "http"
    assert alert["kind"] == "alert"
    assert alert["recipient"] == "ops@example.test"
    assert alert["subject"].startswith(
        "[Sportify Alert] Stuck jobs cleaned up: weekly-events for the week of"
    )
    assert str(stuck) in alert["bodyText"]
    assert emails.empty()


async def test_admin_cleanup_with_nothing_stuck_cleans_nothing_and_raises_no_alert(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = _alerting(settings)

    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/admin/monitoring/cleanup-jobs", headers=ADMIN)
        await asyncio.sleep(0.3)

    body = response.json()
    assert response.status_code == 200
    assert (body["cleaned"], body["jobs"]) == (0, [])
    assert (await job_run(engine, UUID(body["jobRunId"])))["metadata"]["trigger"] == "admin"
    assert emails.empty()


async def test_the_scheduled_cleanup_command_runs_the_claimed_run(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = _alerting(settings)
    stuck, _ = await _stuck_and_fresh(engine)
    run_id = await insert_job_run(
        engine, job_name="cleanup", status="pending", scheduled_for=NOW, created_at=NOW
    )

    async with (
        collector(settings, RoutingKey.JOB_FINISHED) as finished,
        monitor_client(settings),
    ):
        broker = RabbitBroker(settings.amqp_url, logger=None)
        await broker.connect()
        try:
            await publish_message(
                broker, settings, RoutingKey.JOBS_CLEANUP, CleanupJobs(job_run_id=run_id)
            )
            message = await asyncio.wait_for(finished.get(), timeout=10)
        finally:
            await broker.stop()

    assert message["jobRunId"] == str(run_id)
    assert message["status"] == "completed"
    assert message["result"]["cleaned"] == 1
    assert (await job_run(engine, run_id))["status"] == "completed"
    assert (await job_run(engine, stuck))["status"] == "failed"


async def test_a_cleanup_command_for_an_unknown_run_is_dead_lettered(settings: Settings) -> None:
    topology = topology_of(settings)

    async with monitor_client(settings):
        broker = RabbitBroker(settings.amqp_url, logger=None)
        await broker.connect()
        try:
            await publish_message(
                broker, settings, RoutingKey.JOBS_CLEANUP, CleanupJobs(job_run_id=uuid4())
            )
        finally:
            await broker.stop()
        dead = await _next_dead_letter(
            settings.amqp_url, topology.dead_letter_queue("monitor", RoutingKey.JOBS_CLEANUP).name
        )

    assert dead is not None


async def _next_dead_letter(amqp_url: str, queue_name: str) -> bytes | None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=False)
        for _ in range(100):
            message = await queue.get(fail=False, no_ack=True)
            if message is not None:
                return message.body
            await asyncio.sleep(0.1)
        return None
    finally:
        await connection.close()
