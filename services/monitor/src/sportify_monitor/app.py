"""The monitor's composition root: `create_app(settings=None, *, clock=utc_now) -> FastAPI`.

Nothing connects at import or in `create_app`; the lifespan opens the engines and the
broker (subscribers: job.finished listener, jobs.cleanup), declares the DLQ, and on
shutdown stops the broker (in-flight handlers finish) before disposing the engines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from sportify_common.broker import create_broker, declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.db.engine import create_engine
from sportify_common.metrics import Metrics
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.settings import MonitorSettings, load_settings_for
from sportify_common.topology import Topology
from sportify_monitor.backfill_runner import BackfillRunner
from sportify_monitor.context import SERVICE, Monitor
from sportify_monitor.dead_letters import DeadLetterDepths, dead_letter_gauge
from sportify_monitor.errors import install_error_handlers
from sportify_monitor.gauges import (
    ScrapeGauges,
    email_queue_gauge,
    emails_requeued_counter,
    schedule_paused_gauge,
    suppressions_gauge,
)
from sportify_monitor.handlers import register_subscribers
from sportify_monitor.http_metrics import HttpMetrics, HttpMetricsMiddleware
from sportify_monitor.monitoring import monitoring_document_json
from sportify_monitor.routes import (
    admin,
    audit,
    backfills,
    emails,
    events,
    health,
    previews,
    schedules,
    suppressions,
    unsubscribe,
)
from sportify_monitor.routes.operations import router as operations_router
from sportify_monitor.shared_read import SharedRead


def create_app(
    settings: MonitorSettings | None = None,
    *,
    clock: Clock = utc_now,
    gauge_refresh_seconds: float = 10.0,
    backfill_poll_seconds: float = 1.0,
) -> FastAPI:
    resolved = settings if settings is not None else load_settings_for(MonitorSettings)
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    http_metrics = HttpMetrics(registry)
    dead_letter_messages = dead_letter_gauge(registry)
    email_queue_messages = email_queue_gauge(registry)
    email_suppressions = suppressions_gauge(registry)
    emails_requeued = emails_requeued_counter(registry)
    schedule_paused = schedule_paused_gauge(registry)
    scheduled_jobs(resolved)  # a malformed SCHEDULE_* stops the start, naming the variable

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(resolved, pool_size=10, max_overflow=10)
        backfill_runner = BackfillRunner(poll_seconds=backfill_poll_seconds)
        # The monitoring document loads on a connection of its own: a flood of triggers and
        # list requests queueing for the main pool does not hold up the operator's view.
        documents_engine = create_engine(resolved, pool_size=1, max_overflow=0)
        broker = create_broker(
            resolved.amqp_url,
            service=SERVICE,
            registry=registry,
            prefetch_count=resolved.amqp_prefetch_count,
        )
        topology = Topology(resolved.amqp_namespace, resolved.message_max_deliveries)
        monitor = Monitor(
            settings=resolved,
            engine=engine,
            broker=broker,
            topology=topology,
            metrics=metrics,
            clock=clock,
            gauges=ScrapeGauges(
                engine=engine,
                metrics=metrics,
                email_queue_messages=email_queue_messages,
                clock=clock,
                stuck_threshold_minutes=resolved.stuck_job_threshold_minutes,
                interval=gauge_refresh_seconds,
                email_suppressions=email_suppressions,
                schedule_paused=schedule_paused,
            ),
            instance_id=uuid4().hex[:12],
            monitoring_documents=SharedRead(
                lambda: monitoring_document_json(monitor, documents_engine),
                max_age=resolved.monitoring_cache_seconds,
            ),
            dead_letters=DeadLetterDepths(
                gauge=dead_letter_messages,
                broker=broker,
                topology=topology,
                interval=gauge_refresh_seconds,
            ),
            emails_requeued=emails_requeued,
            backfills=backfill_runner,
        )
        register_subscribers(broker, monitor)
        backfill_task: asyncio.Task[None] | None = None
        try:
            await broker.start()
            await declare_topology(broker, topology)
            app.state.monitor = monitor
            backfill_task = asyncio.create_task(backfill_runner.run_forever(monitor))
            yield
        finally:
            app.state.monitor = None
            if backfill_task is not None:
                backfill_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await backfill_task
            monitor.waiters.cancel_all()
            try:
                await broker.stop()
            finally:
                await engine.dispose()
                await documents_engine.dispose()

    app = FastAPI(
        title="Sportify Ops monitor",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.registry = registry
    app.state.monitor = None
    install_error_handlers(app)
    app.add_middleware(HttpMetricsMiddleware, metrics=http_metrics)
    app.include_router(events.router)
    app.include_router(admin.router)
    app.include_router(emails.router)
    app.include_router(suppressions.router)
    app.include_router(audit.router)
    app.include_router(backfills.router)
    app.include_router(schedules.router)
    app.include_router(operations_router)
    app.include_router(previews.router)
    app.include_router(unsubscribe.router)
    app.include_router(health.router)
    return app
