"""Poison messages on every durable queue (malformed JSON, a wrong schema, an unknown jobRunId)
land in the queue's DLQ, the consumer goes on with the next valid message, and the DLQ depth
shows in the monitor's /metrics as `sportify_dead_letter_messages{queue}`."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.clock import utc_now
from sportify_common.jobs.names import JobName
from sportify_common.messages import (
    ApplyRetention,
    CleanupJobs,
    DispatchEmails,
    PeriodClosed,
    RoutingKey,
)
from sportify_common.settings import Settings
from sportify_common.topology import CONSUMERS, Topology
from tests.faults.conftest import StackFactory
from tests.faults.support import (
    email_bodies,
    eventually,
    publish_raw,
    queue_depths,
    start_pipeline,
    the_week,
    with_smtp,
)
from tests.support.factories import insert_user, insert_workout
from tests.support.job_factories import insert_job_run, job_run
from tests.support.smtp import SmtpSink
from tests.support.stack import settings_env

pytestmark = pytest.mark.faults

MALFORMED = b'{"jobRunId": "3f2a", oops'


async def test_poison_messages_are_dead_lettered_counted_and_do_not_block_their_queue(
    settings: Settings, sink: SmtpSink, service_stack: StackFactory
) -> None:
    settings = with_smtp(settings, sink.port)
    topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
    week = the_week(settings)
    engine = create_async_engine(settings.async_database_url)
    try:
        ada = await insert_user(engine, email="ada@example.test")
        await insert_workout(engine, ada, week.start + timedelta(hours=5), [("pushups", 20, 20)])
        stack = service_stack(settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0"))
        await start_pipeline(stack)

        unknown_period = PeriodClosed(
            job_run_id=uuid4(),
            job_name=JobName.WEEKLY_EVENTS,
            period_start=week.start,
            period_end=week.end,
        )
        poison: dict[RoutingKey, list[bytes]] = {
            RoutingKey.PERIOD_CLOSED: [
                MALFORMED,
                json.dumps({"jobRunId": str(uuid4()), "periodStart": "yesterday"}).encode(),
                json.dumps(unknown_period.to_wire()).encode(),
            ],
            RoutingKey.EMAIL_REQUESTED: [
                MALFORMED,
                json.dumps({"idempotencyKey": "alert:x", "kind": "postcard"}).encode(),
            ],
            RoutingKey.EMAILS_DISPATCH: [
                MALFORMED,
                json.dumps({"jobRunId": "not-a-uuid", "limit": 0}).encode(),
                json.dumps(DispatchEmails(job_run_id=uuid4()).to_wire()).encode(),
            ],
            RoutingKey.JOBS_CLEANUP: [
                MALFORMED,
                json.dumps({"jobRunId": str(uuid4()), "extra": True}).encode(),
                json.dumps(CleanupJobs(job_run_id=uuid4()).to_wire()).encode(),
            ],
            RoutingKey.JOBS_RETENTION: [
                MALFORMED,
                json.dumps({"jobRunId": str(uuid4()), "limit": 5}).encode(),
                json.dumps(ApplyRetention(job_run_id=uuid4()).to_wire()).encode(),
            ],
        }
        for key, bodies in poison.items():
            await publish_raw(settings.amqp_url, topology, key, bodies)

        dlqs = {key: topology.dead_letter_queue(service, key).name for service, key in CONSUMERS}
        expected = {dlqs[key]: len(bodies) for key, bodies in poison.items()}

        async def all_dead_lettered() -> dict[str, int] | None:
            depths = await queue_depths(settings.amqp_url, list(expected))
            return depths if depths == expected else None

        await eventually(
            all_dead_lettered, timeout=30, interval=0.2, what=f"DLQ depths {expected}", stack=stack
        )

        # Each consumer goes on with the next valid message.
        weekly = await stack.post("/api/events/weekly")
        assert weekly.status_code == 200, weekly.text
        assert weekly.json()["status"] == "ok"
        assert weekly.json()["processedUsers"] == 1

        await publish_raw(settings.amqp_url, topology, RoutingKey.EMAIL_REQUESTED, email_bodies(1))
        await sink.wait_for(2)  # Ada's summary and the directly requested email

        dispatch = await stack.post("/api/events/emails/dispatch")
        assert dispatch.status_code == 200, dispatch.text
        assert dispatch.json()["status"] == "ok"

        retention = await stack.post("/api/events/retention")
        assert retention.status_code == 200, retention.text
        assert retention.json()["status"] == "ok"

        cleanup_id = await insert_job_run(
            engine,
            job_name="cleanup",
            status="pending",
            scheduled_for=utc_now(),
            created_at=utc_now(),
        )
        await publish_raw(
            settings.amqp_url,
            topology,
            RoutingKey.JOBS_CLEANUP,
            [json.dumps(CleanupJobs(job_run_id=cleanup_id).to_wire()).encode()],
        )

        async def cleaned() -> bool:
            return bool((await job_run(engine, cleanup_id))["status"] == "completed")

        await eventually(cleaned, timeout=20, what="the valid cleanup run", stack=stack)
        assert await queue_depths(settings.amqp_url, list(expected)) == expected

        metrics = await stack.get("/metrics")
        assert metrics.status_code == 200
        for name, depth in expected.items():
            assert f'sportify_dead_letter_messages{{queue="{name}"}} {depth:.1f}' in metrics.text
    finally:
        await engine.dispose()
