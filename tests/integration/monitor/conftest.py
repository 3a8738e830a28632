"""The monitor under test: the real app (ASGITransport + lifespan) against PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import aio_pika
import httpx
import pytest
from asgi_lifespan import LifespanManager
from faststream.rabbit import RabbitBroker

from sportify_common.broker import publish
from sportify_common.clock import Clock
from sportify_common.messages import RoutingKey, WireModel
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from sportify_monitor.app import create_app
from sportify_monitor.context import Monitor

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
CRON = {"Authorization": "Bearer cron-secret-for-tests"}
ADMIN = {"Authorization": "Bearer admin-token-for-tests"}


def fixed_clock(instant: datetime = NOW) -> Clock:
    return lambda: instant


@asynccontextmanager
async def running_monitor(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[tuple[Monitor, httpx.AsyncClient]]:
    """The started app's own Monitor (to act through it) and a client of its HTTP API."""
    app = create_app(settings, clock=clock or fixed_clock(), gauge_refresh_seconds=0)
    try:
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://monitor.test"
            ) as client,
        ):
            yield app.state.monitor, client
    finally:
        await delete_monitor_topology(settings)


@asynccontextmanager
async def monitor_client(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_monitor(settings, clock=clock) as (_monitor, client):
        yield client


async def delete_monitor_topology(settings: Settings) -> None:
    """Drop the durable queues and exchanges the monitor declared in this test's namespace."""
    topology = topology_of(settings)
    cleanup = topology.queue_name("monitor", RoutingKey.JOBS_CLEANUP)
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        for queue in (cleanup, f"{cleanup}.dlq"):
            await channel.queue_delete(queue)
        for exchange in (topology.exchange.name, topology.dead_letter_exchange.name):
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with monitor_client(settings) as http:
        yield http


def topology_of(settings: Settings) -> Topology:
    return Topology(settings.amqp_namespace, settings.message_max_deliveries)


Handler = Callable[[dict[str, Any], RabbitBroker], Awaitable[None]]


@asynccontextmanager
async def stand_in(settings: Settings, handlers: dict[RoutingKey, Handler]) -> AsyncIterator[None]:
    """A throwaway consumer playing another service: each key gets a private listener queue."""
    topology = topology_of(settings)
    broker = RabbitBroker(settings.amqp_url, logger=None)
    for key, handler in handlers.items():
        queue = topology.listener_queue("test-stand-in", key, uuid4().hex[:8])

        def bind(handle: Handler) -> Callable[[dict[str, Any]], Awaitable[None]]:
            async def consume(body: dict[str, Any]) -> None:
                await handle(body, broker)

            return consume

        broker.subscriber(queue, topology.exchange)(bind(handler))
    await broker.start()
    try:
        yield
    finally:
        await broker.stop()


@asynccontextmanager
async def collector(
    settings: Settings, key: RoutingKey
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """Every message published with `key` on the test namespace, in arrival order."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def collect(body: dict[str, Any], _broker: RabbitBroker) -> None:
        await received.put(body)

    async with stand_in(settings, {key: collect}):
        yield received


async def publish_message(
    broker: RabbitBroker, settings: Settings, key: RoutingKey, message: WireModel
) -> None:
    await publish(broker, topology_of(settings), key, message)
