"""Wiring of the mailer: the only place that builds things. Nothing connects at import."""

from __future__ import annotations

import random

from faststream.asgi import AsgiFastStream
from prometheus_client import CollectorRegistry

from sportify_common.broker import declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.service_app import faststream_asgi
from sportify_common.service_context import build_context
from sportify_common.settings import MailerSettings, load_settings_for
from sportify_mailer import handlers
from sportify_mailer.breaker import SmtpBreaker, circuit_gauge
from sportify_mailer.circuit import ProbePolicy
from sportify_mailer.circuit_alert import CircuitAlert
from sportify_mailer.delivery import Delivery, DeliveryConfig
from sportify_mailer.dispatch import DispatchJob
from sportify_mailer.intake import RequestedEmailConsumer
from sportify_mailer.retention import RetentionJob, retention_counter
from sportify_mailer.retry import RetryPolicy, Rng
from sportify_mailer.smtp import SmtpPool
from sportify_mailer.workers import SenderWorkers


def delivery_config(settings: MailerSettings) -> DeliveryConfig:
    return DeliveryConfig(
        sender_address=settings.smtp_from,
        policy=RetryPolicy(
            max_attempts=settings.email_max_attempts,
            base_seconds=settings.email_retry_base_seconds,
            max_seconds=settings.email_retry_max_seconds,
        ),
        concurrency=2,
        probe=ProbePolicy(max_seconds=settings.smtp_probe_max_seconds),
        suppression_days=settings.email_suppression_days,
    )


def create_app(
    settings: MailerSettings | None = None, *, clock: Clock = utc_now, rng: Rng = random.random
) -> AsgiFastStream:
    settings = settings if settings is not None else load_settings_for(MailerSettings)
    registry = CollectorRegistry()
    context = build_context(
        settings,
        service=handlers.SERVICE,
        registry=registry,
        clock=clock,
        pool_size=8,
        max_overflow=4,
        prefetch_count=settings.amqp_prefetch_count,
    )
    engine, broker, topology = context.engine, context.broker, context.topology
    pool = SmtpPool(settings)
    config = delivery_config(settings)
    breaker = SmtpBreaker(
        pool.probe,
        policy=config.probe,
        gauge=circuit_gauge(registry),
        clock=clock,
        on_open=CircuitAlert(context),
        discard_idle=pool.discard_idle,
    )
    delivery = Delivery(
        engine, pool, config, metrics=context.metrics, clock=clock, rng=rng, breaker=breaker
    )
    workers = SenderWorkers(delivery, workers=2, poll_seconds=settings.email_retry_poll_seconds)
    breaker.on_close(workers.wake)
    intake = RequestedEmailConsumer(engine, clock=clock, on_stored=workers.hint)
    dispatch = DispatchJob(context, delivery)
    retention = RetentionJob(context, retention_counter(registry))
    handlers.register(broker, topology, dispatch=dispatch, retention=retention)

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
        await breaker.stop()
        await pool.close()
        await engine.dispose()

    return faststream_asgi(
        broker,
        registry,
        after_startup=[after_startup],
        on_shutdown=[on_shutdown],
        after_shutdown=[after_shutdown],
    )
