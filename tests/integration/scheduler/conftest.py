"""Scheduler loops as replicas: each its own engine and broker, on one database, simulated time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.broker import create_broker, declare_topology
from sportify_common.metrics import Metrics
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.service_context import ServiceContext
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from sportify_scheduler.loop import SchedulerLoop
from tests.integration.scheduler.support import SharedTime


@pytest.fixture
def berlin(settings: Settings) -> Settings:
    return settings.model_copy(update={"events_timezone": "Europe/Berlin"})


@pytest.fixture
async def make_loop(berlin: Settings) -> AsyncIterator[Callable[..., Any]]:
    """Builds scheduler loops as separate replicas: each its own engine and broker."""
    async with AsyncExitStack() as stack:

        async def build(time: SharedTime, *, catch_up_periods: int = 0) -> SchedulerLoop:
            engine = create_async_engine(berlin.async_database_url)
            stack.push_async_callback(engine.dispose)
            broker = create_broker(
                berlin.amqp_url, service="scheduler", registry=CollectorRegistry()
            )
            await stack.enter_async_context(broker)
            await broker.start()
            topology = Topology(berlin.amqp_namespace, berlin.message_max_deliveries)
            await declare_topology(broker, topology)  # as the app does at start
            context = ServiceContext(
                settings=berlin,
                engine=engine,
                broker=broker,
                topology=topology,
                metrics=Metrics.create(),
                clock=time.clock,
            )
            return SchedulerLoop(
                context=context,
                jobs=scheduled_jobs(berlin),
                sleep=time.sleep,
                catch_up_periods=catch_up_periods,
            )

        yield build
