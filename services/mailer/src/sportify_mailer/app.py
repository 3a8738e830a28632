"""Wiring of the mailer: the only place that builds things. Nothing connects at import."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

from faststream.asgi import AsgiFastStream
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import create_broker, declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.db.engine import create_engine
from sportify_common.metrics import Metrics
from sportify_common.service_app import faststream_asgi
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from sportify_common.vocabulary import EmailStatus
from sportify_mailer import handlers, queries
from sportify_mailer.delivery import Delivery, DeliveryConfig
from sportify_mailer.dispatch import DispatchJob
from sportify_mailer.intake import RequestedEmailConsumer
from sportify_mailer.retry import RetryPolicy, Rng
from sportify_mailer.smtp import SmtpPool
from sportify_mailer.workers import SenderWorkers

GAUGE_REFRESH_SECONDS = 15.0


def delivery_config(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        sender_address=settings.smtp_from,
        policy=RetryPolicy(
            max_attempts=settings.email_max_attempts,
            base_seconds=settings.email_retry_base_seconds,
            max_seconds=settings.email_retry_max_seconds,
        ),
        concurrency=2,
    )


def create_app(
    settings: Settings | None = None, *, clock: Clock = utc_now, rng: Rng = random.random
) -> AsgiFastStream:
    settings = settings if settings is not None else load_settings()
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    engine = create_engine(settings, pool_size=8, max_overflow=4)
    broker = create_broker(
        settings.amqp_url,
        service=handlers.SERVICE,
        registry=registry,
        prefetch_count=settings.prefetch_count,
    )
    topology = Topology(settings.amqp_namespace, max_deliveries=settings.message_max_deliveries)
    pool = SmtpPool(settings)
    delivery = Delivery(
        engine, pool, delivery_config(settings), metrics=metrics, clock=clock, rng=rng
    )
    workers = SenderWorkers(
        delivery,
        workers=2,
        poll_seconds=settings.email_retry_poll_seconds,
        on_poll=_gauge_refresher(engine, metrics),
    )
    intake = RequestedEmailConsumer(engine, clock=clock, on_stored=workers.hint)
    dispatch = DispatchJob(engine, broker, topology, delivery, metrics, clock)
    handlers.register(broker, topology, dispatch=dispatch)

    async def after_startup() -> None:
        await declare_topology(broker, topology)
        workers.start()
        await handlers.start_email_requested(broker, topology, intake)

    async def on_shutdown() -> None:
        # Before the broker closes its channels: stop consuming email.requested, store and
        # ack what was delivered; no new drain rounds.
        await intake.stop()
        await workers.stop_polling()

    async def after_shutdown() -> None:
        # The broker has stopped and its in-flight handlers returned.
        await workers.stop()
        await pool.close()
        await engine.dispose()

    return faststream_asgi(
        broker,
        registry,
        after_startup=[after_startup],
        on_shutdown=[on_shutdown],
        after_shutdown=[after_shutdown],
    )


def _gauge_refresher(engine: AsyncEngine, metrics: Metrics) -> Callable[[], Awaitable[None]]:
    """sportify_email_queue_messages{status}, refreshed at most every 15 s (one grouped count)."""
    last = 0.0

    async def refresh() -> None:
        nonlocal last
        if time.monotonic() - last < GAUGE_REFRESH_SECONDS:
            return
        last = time.monotonic()
        async with engine.connect() as conn:
            counts = await queries.count_by_status(conn)
        for status in EmailStatus:
            metrics.email_queue_messages.labels(status=status).set(counts.get(status, 0))

    return refresh
