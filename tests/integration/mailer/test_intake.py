"""Storing email.requested through the raw consumer: batches, dead letters, redelivery, shutdown."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import declare_topology, publish_many
from sportify_common.db.engine import create_engine
from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from sportify_mailer.intake import RequestedEmailConsumer
from tests.support.mail_factories import email_requested, email_rows, wait_rows

pytestmark = pytest.mark.integration

EMAIL_REQUESTED = RoutingKey.EMAIL_REQUESTED


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[tuple[RabbitBroker, Topology]]:
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
    await declare_topology(broker, topology)
    try:
        yield broker, topology
    finally:
        await broker.stop()


async def publish_raw(broker: RabbitBroker, topology: Topology, body: bytes) -> None:
    channel = await broker.config.channel_manager.get_channel()
    exchange = await channel.get_exchange(topology.exchange.name, ensure=False)
    await exchange.publish(
        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
        routing_key=EMAIL_REQUESTED.value,
        mandatory=True,
    )


async def dead_letters(
    broker: RabbitBroker, topology: Topology, count: int, timeout: float = 20.0
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    dlq = await broker.declare_queue(topology.dead_letter_queue("mailer", EMAIL_REQUESTED))
    found: list[aio_pika.abc.AbstractIncomingMessage] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        message = await dlq.get(fail=False, no_ack=True)
        if message is None:
            await asyncio.sleep(0.05)
        else:
            found.append(message)
    assert len(found) == count, f"expected {count} dead letters, got {len(found)}"
    return found


async def test_unparsable_and_invalid_bodies_are_dead_lettered_while_valid_ones_are_stored(
    settings: Settings, engine: AsyncEngine
) -> None:
    valid = [email_requested() for _ in range(20)]
    invalid_schema = json.dumps({**valid[0].to_wire(), "recipient": "not an address"}).encode()
    consumer = RequestedEmailConsumer(engine)
    async with connected(settings) as (broker, topology):
        await consumer.start(broker, topology.queue("mailer", EMAIL_REQUESTED), prefetch=100)
        try:
            await publish_many(broker, topology, EMAIL_REQUESTED, valid[:10])
            await publish_raw(broker, topology, b"{not json")
            await publish_raw(broker, topology, invalid_schema)
            await publish_many(broker, topology, EMAIL_REQUESTED, valid[10:])
            rows = await wait_rows(engine, 20)
            dead = await dead_letters(broker, topology, 2)
        finally:
            await consumer.stop()
    assert sorted(r["idempotency_key"] for r in rows) == sorted(m.idempotency_key for m in valid)
    assert sorted(m.body for m in dead) == sorted([b"{not json", invalid_schema])


async def test_database_failure_requeues_until_the_delivery_limit_dead_letters_it(
    settings: Settings,
) -> None:
    missing = str(settings.database_url).rsplit("/", 1)[0] + "/no_such_database_for_tests"
    broken = create_engine(load_settings(**{**settings.model_dump(), "database_url": missing}))
    consumer = RequestedEmailConsumer(broken, failure_pause=0.01, database_wait=0.05)
    message = email_requested()
    try:
        async with connected(settings) as (broker, topology):
            await consumer.start(broker, topology.queue("mailer", EMAIL_REQUESTED), prefetch=10)
            try:
                await publish_many(broker, topology, EMAIL_REQUESTED, [message])
                (dead,) = await dead_letters(broker, topology, 1)
            finally:
                await consumer.stop()
    finally:
        await broken.dispose()
    assert json.loads(dead.body)["idempotencyKey"] == message.idempotency_key
    deaths = dead.headers["x-death"]
    assert isinstance(deaths, list)
    first = deaths[0]
    assert isinstance(first, dict)
    assert first["reason"] == "delivery_limit"


async def test_stop_stores_and_acknowledges_what_was_already_delivered(
    settings: Settings, engine: AsyncEngine
) -> None:
    messages = [email_requested() for _ in range(50)]
    # Nothing is written before stop(): one batch would wait far longer than this test.
    consumer = RequestedEmailConsumer(engine, max_batch=1000, max_wait=600.0)
    async with connected(settings) as (broker, topology):
        queue = topology.queue("mailer", EMAIL_REQUESTED)
        channel = await broker.config.channel_manager.get_channel()

        async def in_queue() -> int:
            state = await channel.declare_queue(queue.name, passive=True)
            return int(state.declaration_result.message_count or 0)

        await consumer.start(broker, queue, prefetch=100)
        await publish_many(broker, topology, EMAIL_REQUESTED, messages)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # until every message was delivered to the consumer
            if await in_queue() == 0:
                break
            await asyncio.sleep(0.05)
        stored_before_stop = await email_rows(engine)
        await consumer.stop()
        rows = await email_rows(engine)
        await asyncio.sleep(0.3)  # an unacked delivery would be back in the queue by now
        left = await in_queue()
    assert stored_before_stop == []
    assert len(rows) == 50
    assert left == 0
