"""HTTP triggers: claim, publish, wait for job.finished (200), or answer 202, skip, 409."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any
from uuid import UUID

import aio_pika
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.job_results import EmailSummary, FailedResult, JobError, WeeklyResult
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import JobFinished, RoutingKey
from sportify_common.periods import PeriodKind, from_wire, latest_closed, to_wire, wire_end
from sportify_common.settings import Settings
from sportify_common.vocabulary import EVALUATED_BY_JOB
from tests.integration.monitor.conftest import (
    ADMIN,
    CRON,
    NOW,
    Handler,
    monitor_client,
    publish_message,
    stand_in,
)
from tests.support.job_factories import insert_job_run, job_run

WEEK = latest_closed(PeriodKind.WEEKLY, NOW, UTC)


def aggregator(engine: AsyncEngine, settings: Settings, *, fail: bool = False) -> Handler:
    """Plays the aggregator: starts and finishes the run, then publishes job.finished."""

    async def handle(body: dict[str, Any], broker: RabbitBroker) -> None:
        run_id = UUID(body["jobRunId"])
        keys = EVALUATED_BY_JOB[JobName(body["jobName"])]
        result = {
            "status": "ok",
            "skipped": False,
            "jobRunId": str(run_id),
            "processedUsers": 3,
            keys.start_key: to_wire(from_wire(body["periodStart"])),
            keys.end_key: to_wire(from_wire(body["periodEnd"]) - timedelta(milliseconds=1)),
            "emailSummary": {"queued": 2, "skipped": {"no-email-address": 1}},
            "emailResults": [{"userId": "u1", "status": "queued"}],
        }
        async with engine.begin() as conn:
            await jobs.start(conn, run_id, now=NOW)
            if fail:
                await jobs.fail(conn, run_id, now=NOW, error_type="boom", message="it broke")
            else:
                await jobs.complete(conn, run_id, now=NOW, result=result)
        failed = FailedResult(job_run_id=run_id, error=JobError(type="boom", message="it broke"))
        finished = JobFinished(
            job_run_id=run_id,
            job_name=JobName(body["jobName"]),
            status=JobStatus.FAILED if fail else JobStatus.COMPLETED,
            result=failed if fail else result,
        )
        await publish_message(broker, settings, RoutingKey.JOB_FINISHED, finished)

    return handle


async def test_a_weekly_trigger_answers_200_with_the_aggregators_result(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with (
        stand_in(settings, {RoutingKey.PERIOD_CLOSED: aggregator(engine, settings)}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/weekly", headers=CRON)

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["skipped"] is False
    assert body["processedUsers"] == 3
    assert body["weekStart"] == "2026-02-23T00:00:00.000Z"
    assert body["emailSummary"] == {"queued": 2, "skipped": {"no-email-address": 1}}
    run = await job_run(engine, UUID(body["jobRunId"]))
    assert run["status"] == "completed"
    assert run["scheduled_for"] == WEEK.end
    assert run["metadata"]["trigger"] == "http"


async def test_a_monthly_trigger_publishes_the_explicit_month(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with (
        stand_in(settings, {RoutingKey.PERIOD_CLOSED: aggregator(engine, settings)}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/monthly?month=2025-12", headers=CRON)

    body = response.json()
    assert response.status_code == 200
    assert body["monthStart"] == "2025-12-01T00:00:00.000Z"
    assert body["monthEnd"] == "2025-12-31T23:59:59.999Z"


async def test_a_second_trigger_of_a_completed_period_is_skipped(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with (
        stand_in(settings, {RoutingKey.PERIOD_CLOSED: aggregator(engine, settings)}),
        monitor_client(settings) as client,
    ):
        first = await client.post("/api/events/weekly", headers=CRON)
        second = await client.post("/api/events/weekly", headers=CRON)

    assert first.status_code == 200
    assert second.status_code == 200
    assert second.json() == {
        "status": "ok",
        "skipped": True,
        "reason": "already-completed",
        "jobRunId": first.json()["jobRunId"],
        "weekStart": to_wire(WEEK.start),
        "weekEnd": wire_end(WEEK),
    }


async def test_without_a_consumer_the_trigger_answers_202_with_a_status_url(
    settings: Settings,
) -> None:
    impatient = settings.model_copy(update={"events_trigger_wait_seconds": 0.5})

    async with monitor_client(impatient) as client:
        response = await client.post("/api/events/weekly", headers=CRON)
        status = await client.get(response.json()["statusUrl"], headers=ADMIN)

    body = response.json()
    assert response.status_code == 202
    assert body == {
        "status": "accepted",
        "jobRunId": body["jobRunId"],
        "statusUrl": f"/api/admin/jobs/{body['jobRunId']}",
    }
    assert status.status_code == 200
    assert status.json()["job"]["status"] == "pending"


async def test_force_on_a_running_run_is_a_409(settings: Settings, engine: AsyncEngine) -> None:
    await insert_job_run(
        engine,
        job_name="weekly-events",
        status="running",
        scheduled_for=WEEK.end,
        created_at=NOW - timedelta(minutes=5),
        started_at=NOW - timedelta(minutes=5),
    )

    async with monitor_client(settings) as client:
        forced = await client.post("/api/events/weekly?force=true", headers=CRON)
        plain = await client.post("/api/events/weekly", headers=CRON)

    assert forced.status_code == 409
    assert forced.json()["error"] == "conflict"
    assert (plain.status_code, plain.json()["reason"]) == (200, "already-running")


async def test_a_failed_run_is_run_again_as_attempt_2(
    settings: Settings, engine: AsyncEngine
) -> None:
    run_id = await insert_job_run(
        engine,
        job_name="weekly-events",
        status="failed",
        scheduled_for=WEEK.end,
        created_at=NOW - timedelta(hours=2),
        started_at=NOW - timedelta(hours=2),
        completed_at=NOW - timedelta(hours=1),
        metadata={"trigger": "cron", "attempt": 1, "error": {"type": "x", "message": "y"}},
    )

    async with (
        stand_in(settings, {RoutingKey.PERIOD_CLOSED: aggregator(engine, settings)}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/weekly", headers=CRON)
        detail = await client.get(f"/api/admin/jobs/{run_id}", headers=ADMIN)

    assert response.status_code == 200
    assert response.json()["jobRunId"] == str(run_id)
    metadata = detail.json()["job"]["metadata"]
    assert metadata["attempt"] == 2
    assert "error" not in metadata
    assert detail.json()["job"]["status"] == "completed"


async def test_a_run_that_fails_answers_with_status_failed_and_its_error(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with (
        stand_in(settings, {RoutingKey.PERIOD_CLOSED: aggregator(engine, settings, fail=True)}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/weekly?weekStart=2026-02-16", headers=CRON)

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "failed"
    assert body["error"] == {"type": "boom", "message": "it broke"}
    assert body["weekStart"] == "2026-02-16T00:00:00.000Z"


async def test_a_dispatch_trigger_returns_the_mailers_counts(
    settings: Settings, engine: AsyncEngine
) -> None:
    seen: list[dict[str, Any]] = []

    async def mailer(body: dict[str, Any], broker: RabbitBroker) -> None:
        seen.append(body)
        result = {"status": "ok", "processed": 4, "sent": 3, "failed": 1, "skipped": 0}
        finished = JobFinished(
            job_run_id=UUID(body["jobRunId"]),
            job_name=JobName.EMAILS_DISPATCH,
            status=JobStatus.COMPLETED,
            result=result,
        )
        await publish_message(broker, settings, RoutingKey.JOB_FINISHED, finished)

    async with (
        stand_in(settings, {RoutingKey.EMAILS_DISPATCH: mailer}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/emails/dispatch?limit=7", headers=CRON)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "processed": 4, "sent": 3, "failed": 1, "skipped": 0}
    assert seen[0]["limit"] == 7
    run = await job_run(engine, UUID(seen[0]["jobRunId"]))
    assert (run["job_name"], run["scheduled_for"]) == ("emails-dispatch", NOW)


async def test_a_run_finished_while_its_message_was_lost_is_found_after_the_wait(
    settings: Settings, engine: AsyncEngine
) -> None:
    impatient = settings.model_copy(update={"events_trigger_wait_seconds": 0.5})
    stored: list[dict[str, Any]] = []

    async def silent_aggregator(body: dict[str, Any], _broker: RabbitBroker) -> None:
        run_id = UUID(body["jobRunId"])
        result = WeeklyResult(
            job_run_id=run_id,
            processed_users=9,
            week_start=body["periodStart"],
            week_end=body["periodEnd"],
            email_summary=EmailSummary(queued=9, skipped={}),
            email_results=[],
        ).to_wire()
        stored.append(result)
        async with engine.begin() as conn:
            await jobs.start(conn, run_id, now=NOW)
            await jobs.complete(conn, run_id, now=NOW, result=result)

    async with (
        stand_in(impatient, {RoutingKey.PERIOD_CLOSED: silent_aggregator}),
        monitor_client(impatient) as client,
    ):
        response = await client.post("/api/events/weekly", headers=CRON)

    assert response.status_code == 200
    assert response.json() == stored[0]
    assert response.json()["processedUsers"] == 9


async def test_a_command_that_cannot_be_published_fails_the_run_and_answers_503(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with monitor_client(settings) as client:
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.exchange_delete(settings.amqp_namespace)  # publishing now fails
        response = await client.post("/api/events/weekly", headers=CRON)
        runs = (await client.get("/api/admin/jobs?jobName=weekly-events", headers=ADMIN)).json()

    assert response.status_code == 503
    assert response.json()["error"] == "broker-unavailable"
    assert runs["jobs"][0]["status"] == "failed"
    run = await job_run(engine, UUID(runs["jobs"][0]["id"]))
    assert run["metadata"]["error"]["type"] == "publish-failed"


async def test_a_retention_trigger_claims_a_run_and_returns_the_mailers_counts(
    settings: Settings, engine: AsyncEngine
) -> None:
    seen: list[dict[str, Any]] = []
    counts = {
        "status": "ok",
        "emailBodiesCleared": 5,
        "emailsDeleted": 4,
        "jobRunsDeleted": 3,
        "suppressionsDeleted": 2,
        "auditDeleted": 1,
    }

    async def mailer(body: dict[str, Any], broker: RabbitBroker) -> None:
        seen.append(body)
        finished = JobFinished(
            job_run_id=UUID(body["jobRunId"]),
            job_name=JobName.RETENTION,
            status=JobStatus.COMPLETED,
            result=counts,
        )
        await publish_message(broker, settings, RoutingKey.JOB_FINISHED, finished)

    async with (
        stand_in(settings, {RoutingKey.JOBS_RETENTION: mailer}),
        monitor_client(settings) as client,
    ):
        response = await client.post("/api/events/retention", headers=CRON)

    assert response.status_code == 200
    assert response.json() == counts
    assert list(seen[0]) == ["jobRunId"]
    run = await job_run(engine, UUID(seen[0]["jobRunId"]))
    assert (run["job_name"], run["scheduled_for"]) == ("retention", NOW)
    assert run["metadata"]["trigger"] == "http"
