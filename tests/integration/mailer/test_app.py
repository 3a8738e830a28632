"""The mailer as a service: real RabbitMQ, PostgreSQL and SMTP sink."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aio_pika.abc import AbstractQueue
from faststream.rabbit import RabbitBroker, RabbitQueue
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import publish
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, Trigger
from sportify_common.messages import DispatchEmails, RoutingKey, WireModel
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from sportify_mailer.app import create_app
from tests.support.mail_factories import email_requested, email_rows, insert_emails, wait_rows
from tests.support.smtp import SmtpSink


@pytest.fixture
def app_settings(mail_settings: Settings) -> Settings:
    # A long poll: anything sent in these tests was sent by the store-then-send path
    # or by a dispatch run, not by the background drain loop.
    return load_settings(**{**mail_settings.model_dump(), "email_retry_poll_seconds": 600.0})


@asynccontextmanager
async def running_mailer(settings: Settings) -> AsyncIterator[None]:
    app = create_app(settings)
    await app.start()
    try:
        yield
    finally:
        await app.stop()


@asynccontextmanager
async def client(settings: Settings) -> AsyncIterator[RabbitBroker]:
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.stop()


async def _listen(broker: RabbitBroker, topology: Topology, key: str) -> AbstractQueue:
    exchange = await broker.declare_exchange(topology.exchange)
    queue = await broker.declare_queue(
        # exclusive: gone with the test's connection (it is polled, never consumed, so
        # auto_delete alone would leave it behind)
        RabbitQueue(f"{topology.namespace}.test.{uuid4().hex[:6]}", exclusive=True)
    )
    await queue.bind(exchange, routing_key=key)
    return queue


async def _next_body(queue: AbstractQueue, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await queue.get(fail=False, no_ack=True)
        if message is not None:
            body: dict[str, Any] = json.loads(message.body)
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("no message arrived")


async def _publish(broker: RabbitBroker, settings: Settings, key: RoutingKey, m: WireModel) -> None:
    topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
    await publish(broker, topology, key, m)


async def test_requested_email_is_stored_with_headers_and_sent_at_once(
    app_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    message = email_requested(recipient="ada@example.test", subject="Deine Woche")
    async with running_mailer(app_settings), client(app_settings) as broker:
        await _publish(broker, app_settings, RoutingKey.EMAIL_REQUESTED, message)
        (sent,) = await sink.wait_for(1)
        rows = await email_rows(engine)
    (row,) = rows
    assert row["idempotency_key"] == message.idempotency_key
    assert row["headers"] == message.headers
    assert row["kind"] == "weekly-summary"
    assert sent["Subject"] == "Deine Woche"
    assert sent["List-Unsubscribe"] == message.headers["List-Unsubscribe"]


async def test_redelivered_email_request_gives_one_row_and_one_email(
    app_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    message = email_requested()
    async with running_mailer(app_settings), client(app_settings) as broker:
        await _publish(broker, app_settings, RoutingKey.EMAIL_REQUESTED, message)
        await sink.wait_for(1)
        await _publish(broker, app_settings, RoutingKey.EMAIL_REQUESTED, message)
        await _publish(broker, app_settings, RoutingKey.EMAIL_REQUESTED, email_requested())
        await sink.wait_for(2)
        await asyncio.sleep(0.3)
        rows = await email_rows(engine)
    assert len(rows) == 2
    keys = [str(m["To"]) for m in sink.messages]
    assert len(keys) == 2
    assert keys.count(message.recipient) == 1


async def test_a_burst_of_requests_is_stored_in_batches_and_all_sent(
    app_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    messages = [email_requested() for _ in range(600)]
    async with running_mailer(app_settings), client(app_settings) as broker:
        await asyncio.gather(
            *(_publish(broker, app_settings, RoutingKey.EMAIL_REQUESTED, m) for m in messages)
        )
        rows = await wait_rows(engine, 600)
        await sink.wait_for(600, timeout=30)
    assert {r["idempotency_key"] for r in rows} == {m.idempotency_key for m in messages}


async def _claim_dispatch_run(engine: AsyncEngine) -> Any:
    async with engine.begin() as conn:
        claim = await jobs.claim(
            conn,
            job_name=JobName.EMAILS_DISPATCH,
            scheduled_for=datetime.now(UTC),
            trigger=Trigger.HTTP,
            force=False,
            now=datetime.now(UTC),
        )
    return claim.run.id


async def test_dispatch_command_drains_due_rows_and_reports_job_finished(
    app_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    await insert_emails(engine, 4, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    await insert_emails(
        engine, 1, recipient="gone@example.test", created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    sink.handler.permanent_recipients.add("gone@example.test")
    run_id = await _claim_dispatch_run(engine)
    topology = Topology(app_settings.amqp_namespace, app_settings.message_max_deliveries)
    async with running_mailer(app_settings), client(app_settings) as broker:
        finished_queue = await _listen(broker, topology, RoutingKey.JOB_FINISHED.value)
        await _publish(
            broker,
            app_settings,
            RoutingKey.EMAILS_DISPATCH,
            DispatchEmails(job_run_id=run_id, limit=10),
        )
        finished = await _next_body(finished_queue)

        # A redelivered command for the completed run answers again with the stored result.
        await _publish(
            broker,
            app_settings,
            RoutingKey.EMAILS_DISPATCH,
            DispatchEmails(job_run_id=run_id, limit=10),
        )
        again = await _next_body(finished_queue)

    expected = {"status": "ok", "processed": 5, "sent": 4, "failed": 1, "skipped": 0}
    assert finished == {
        "jobRunId": str(run_id),
        "jobName": "emails-dispatch",
        "status": "completed",
        "result": expected,
    }
    assert again["result"] == expected
    async with engine.connect() as conn:
        run = await jobs.get(conn, run_id)
    assert run is not None
    assert run.status == "completed"
    assert run.metadata["result"] == expected
    assert len(sink.messages) == 4


async def test_dispatch_for_an_unknown_run_is_dead_lettered(
    app_settings: Settings, engine: AsyncEngine
) -> None:
    topology = Topology(app_settings.amqp_namespace, app_settings.message_max_deliveries)
    unknown = uuid4()
    async with running_mailer(app_settings), client(app_settings) as broker:
        await _publish(
            broker, app_settings, RoutingKey.EMAILS_DISPATCH, DispatchEmails(job_run_id=unknown)
        )
        dlq = await broker.declare_queue(
            topology.dead_letter_queue("mailer", RoutingKey.EMAILS_DISPATCH)
        )
        body = await _next_body(dlq)
    assert body["jobRunId"] == str(unknown)
