"""Composition root of the scheduler: settings → schedule, engine, broker, the clock loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from faststream.asgi import AsgiFastStream
from prometheus_client import CollectorRegistry

from sportify_common.broker import declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.service_app import faststream_asgi
from sportify_common.service_context import build_context
from sportify_common.settings import SchedulerSettings, load_settings_for
from sportify_scheduler.loop import SchedulerLoop, Sleep

logger = logging.getLogger("sportify.scheduler")

SERVICE = "scheduler"


def create_app(
    settings: SchedulerSettings | None = None,
    *,
    clock: Clock = utc_now,
    sleep: Sleep = asyncio.sleep,
    max_step_seconds: float = 30.0,
    retry_seconds: float = 5.0,
) -> AsgiFastStream:
    """The scheduler has no subscribers; it only publishes. Raises SettingsError early."""
    settings = settings if settings is not None else load_settings_for(SchedulerSettings)
    jobs = scheduled_jobs(settings)
    registry = CollectorRegistry()
    context = build_context(
        settings,
        service=SERVICE,
        registry=registry,
        clock=clock,
        pool_size=2,
        max_overflow=2,
        prefetch_count=settings.amqp_prefetch_count,
    )
    broker, topology, engine = context.broker, context.topology, context.engine
    loop = SchedulerLoop(
        context=context,
        jobs=jobs,
        sleep=sleep,
        catch_up_periods=settings.scheduler_catch_up_periods,
        max_step_seconds=max_step_seconds,
        retry_seconds=retry_seconds,
    )
    tasks: list[asyncio.Task[None]] = []

    async def start_loop() -> None:
        await declare_topology(broker, topology)
        logger.info(
            "scheduler started in zone %s: %s",
            settings.zone,
            ", ".join(f"{job.name} '{job.cron.source}'" for job in jobs),
        )
        task = asyncio.create_task(loop.run(), name="sportify-scheduler-loop")
        task.add_done_callback(_log_unexpected_end)
        tasks.append(task)

    async def stop_loop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()

    async def dispose_engine() -> None:
        await engine.dispose()

    return faststream_asgi(
        broker,
        registry,
        after_startup=[start_loop],
        on_shutdown=[stop_loop],
        after_shutdown=[dispose_engine],
    )


def _log_unexpected_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the scheduler loop stopped", exc_info=task.exception())
