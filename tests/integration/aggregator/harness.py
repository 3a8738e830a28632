"""Runs the aggregator app in-process against the real broker and listens to what it publishes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from asgi_lifespan import LifespanManager
from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.app import create_app
from sportify_aggregator.handlers import SERVICE
from sportify_common.broker import declare_dead_letter_queues, publish
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, Trigger
from sportify_common.messages import PeriodClosed, RoutingKey
from sportify_common.periods import Period, PeriodKind
from sportify_common.settings import Settings
from sportify_common.topology import Topology

JOBS = {PeriodKind.WEEKLY: JobName.WEEKLY_EVENTS, PeriodKind.MONTHLY: JobName.MONTHLY_EVENTS}


@dataclass
class Harness:
    settings: Settings
    engine: AsyncEngine
    broker: RabbitBroker
    topology: Topology
    registry: CollectorRegistry
    emails: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)

    async def claim(self, period: Period, *, force: bool = False) -> jobs.Claim:
        async with self.engine.begin() as conn:
            return await jobs.claim(
                conn,
                job_name=JOBS[period.kind],
                scheduled_for=period.end,
                trigger=Trigger.HTTP,
                force=force,
                now=datetime.now(UTC),
            )

    async def send(self, message: PeriodClosed) -> None:
        await publish(self.broker, self.topology, RoutingKey.PERIOD_CLOSED, message)

    async def run(
        self, period: Period, *, force: bool = False, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Claim, publish period.closed, wait for the run's job.finished; returns its body."""
        claim = await self.claim(period, force=force)
        assert claim.should_publish, claim.outcome
        seen = len(self.finished)
        await self.send(
            PeriodClosed(
                job_run_id=claim.run.id,
                job_name=JOBS[period.kind],
                period_start=period.start,
                period_end=period.end,
                force=force,
            )
        )
        return await self.wait_finished(claim.run.id, after=seen, timeout=timeout)

    async def wait_finished(
        self, run_id: UUID, *, after: int = 0, timeout: float = 30.0
    ) -> dict[str, Any]:
        """The first job.finished of `run_id` among those received after the first `after`."""
        async with asyncio.timeout(timeout):
            while True:
                for body in self.finished[after:]:
                    if body["jobRunId"] == str(run_id):
                        return body
                await asyncio.sleep(0.02)

    async def wait_emails(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.emails) < count:  # noqa: ASYNC110 - the subscriber fills the list
                await asyncio.sleep(0.02)
        return self.emails

    async def store_requested_emails(self) -> None:
        """Do what the mailer would: put every requested email into email_queue."""
        async with self.engine.begin() as conn:
            for email in self.emails:
                await conn.execute(
                    text(
                        """
                        insert into email_queue (id, idempotency_key, recipient, user_id, kind,
                                                 locale, subject, body_text, body_html, headers)
                        values (:id, :key, :recipient, :user_id, :kind, :locale, :subject,
                                :text, :html, cast(:headers as jsonb))
                        on conflict (idempotency_key) do nothing
                        """
                    ),
                    {
                        "id": uuid4(),
                        "key": email["idempotencyKey"],
                        "recipient": email["recipient"],
                        "user_id": UUID(email["userId"]),
                        "kind": email["kind"],
                        "locale": email["locale"],
                        "subject": email["subject"],
                        "text": email["bodyText"],
                        "html": email["bodyHtml"],
                        "headers": json.dumps(email["headers"]),
                    },
                )

    async def dead_lettered(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next message in the aggregator's period.closed DLQ (its JSON body)."""
        await declare_dead_letter_queues(
            self.broker, self.topology, SERVICE, [RoutingKey.PERIOD_CLOSED]
        )
        queue = await self.broker.declare_queue(
            self.topology.dead_letter_queue(SERVICE, RoutingKey.PERIOD_CLOSED)
        )
        async with asyncio.timeout(timeout):
            while True:
                message = await queue.get(no_ack=True, fail=False)
                if message is not None:
                    body: dict[str, Any] = json.loads(message.body)
                    return body
                await asyncio.sleep(0.05)

    def emails_to(self, user_id: UUID) -> list[dict[str, Any]]:
        return [e for e in self.emails if e["userId"] == str(user_id)]


@asynccontextmanager
async def running_aggregator(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Harness]:
    registry = CollectorRegistry()
    app = create_app(settings, registry=registry)
    topology = Topology(settings.amqp_namespace, max_deliveries=settings.message_max_deliveries)
    listener = RabbitBroker(settings.amqp_url, logger=None)
    harness = Harness(settings, engine, listener, topology, registry)
    instance = uuid4().hex[:8]

    @listener.subscriber(
        topology.listener_queue("test", RoutingKey.EMAIL_REQUESTED, instance), topology.exchange
    )
    async def on_email(body: dict[str, Any]) -> None:
        harness.emails.append(body)

    @listener.subscriber(
        topology.listener_queue("test", RoutingKey.JOB_FINISHED, instance), topology.exchange
    )
    async def on_finished(body: dict[str, Any]) -> None:
        harness.finished.append(body)

    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30), listener:
        await listener.start()
        # AsgiFastStream reports startup before its broker has bound the queue; declaring the
        # (durable, identical) queue here makes sure nothing published below is unroutable.
        await declare_dead_letter_queues(listener, topology, SERVICE, [RoutingKey.PERIOD_CLOSED])
        exchange = await listener.declare_exchange(topology.exchange)
        queue = await listener.declare_queue(topology.queue(SERVICE, RoutingKey.PERIOD_CLOSED))
        await queue.bind(exchange, routing_key=RoutingKey.PERIOD_CLOSED.value)
        yield harness
