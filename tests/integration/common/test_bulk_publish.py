"""`publish_batch` against RabbitMQ: order, properties, confirms, returns, nacks, a closed channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import aio_pika
import aiormq
import pytest
from aiormq.abc import ArgumentsType, ConfirmationFrameType, DeliveredMessage
from pamqp.commands import Basic

from sportify_common.amqp_direct.publish import Outgoing, publish_batch

pytestmark = pytest.mark.integration


@pytest.fixture
async def channel(amqp_url: str) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        yield await connection.channel(publisher_confirms=True)
    finally:
        await connection.close()


async def bound_queue(
    channel: aio_pika.abc.AbstractChannel, key: str, arguments: ArgumentsType | None = None
) -> tuple[aio_pika.abc.AbstractExchange, aio_pika.abc.AbstractQueue]:
    exchange = await channel.declare_exchange(
        f"bulk-test-{uuid4().hex}", aio_pika.ExchangeType.TOPIC, auto_delete=True
    )
    queue = await channel.declare_queue(exclusive=True, arguments=arguments)
    await queue.bind(exchange, routing_key=key)
    return exchange, queue


async def published(
    underlay: aiormq.abc.AbstractChannel, messages: list[Outgoing], exchange: str, key: str
) -> list[ConfirmationFrameType | DeliveredMessage]:
    """publish_batch with a deadline: confirms miscounted would otherwise wait forever."""
    async with asyncio.timeout(10):
        return await publish_batch(
            underlay, messages, exchange=exchange, routing_key=key, mandatory=True
        )


async def aiormq_channel(channel: aio_pika.abc.AbstractChannel) -> aiormq.Channel:
    underlay = await channel.get_underlay_channel()
    assert isinstance(underlay, aiormq.Channel)
    return underlay


def outgoing(count: int, *, start: int = 0) -> list[Outgoing]:
    return [
        Outgoing(
            f'{{"n": {n}}}'.encode(),
            Basic.Properties(content_type="application/json", delivery_mode=2),
        )
        for n in range(start, start + count)
    ]


async def drain(
    queue: aio_pika.abc.AbstractQueue, count: int
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    received: list[aio_pika.abc.AbstractIncomingMessage] = []
    async with asyncio.timeout(10):
        while len(received) < count:
            message = await queue.get(fail=False, no_ack=True)
            if message is None:
                await asyncio.sleep(0.02)
            else:
                received.append(message)
    assert await queue.get(fail=False) is None, "more messages than published"
    return received


async def test_a_batch_arrives_in_order_with_its_properties_and_every_message_confirmed(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    exchange, queue = await bound_queue(channel, "k")
    underlay = await aiormq_channel(channel)
    # A body larger than one frame is split into several body frames.
    big = Outgoing(b"x" * (underlay.max_content_size * 2 + 7), Basic.Properties(delivery_mode=2))
    messages = [*outgoing(300), big]

    confirmations = await published(underlay, messages, exchange.name, "k")

    assert all(isinstance(c, Basic.Ack) for c in confirmations)
    assert len(confirmations) == 301
    received = await drain(queue, 301)
    assert [m.body for m in received] == [m.body for m in messages]
    assert {m.delivery_mode for m in received} == {aio_pika.DeliveryMode.PERSISTENT}
    assert {m.content_type for m in received[:300]} == {"application/json"}
    assert len({m.message_id for m in received}) == 301
    assert underlay.message_id_delivery_tag == {}, "message ids of confirmed messages are kept"


async def test_batches_and_single_publishes_interleaved_on_one_channel_all_get_their_own_confirm(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    exchange, queue = await bound_queue(channel, "k")
    underlay = await aiormq_channel(channel)

    async def singles() -> list[object]:
        return [
            await underlay.basic_publish(
                b'{"single": true}', exchange=exchange.name, routing_key="k", mandatory=True
            )
            for _ in range(40)
        ]

    results = await asyncio.gather(
        published(underlay, outgoing(200), exchange.name, "k"),
        singles(),
        published(underlay, outgoing(200, start=200), exchange.name, "k"),
    )

    assert all(isinstance(c, Basic.Ack) for batch in results for c in batch)
    received = await drain(queue, 440)
    numbered = [m.body for m in received if b"single" not in m.body]
    assert numbered == [m.body for m in outgoing(400)]
    assert underlay.confirmations == {}


async def test_an_unroutable_mandatory_batch_comes_back_as_returned_messages(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    exchange, _ = await bound_queue(channel, "bound")
    underlay = await aiormq_channel(channel)
    routed = await published(underlay, outgoing(3), exchange.name, "bound")
    returned = await published(underlay, outgoing(5), exchange.name, "nobody")

    assert all(isinstance(c, Basic.Ack) for c in routed)
    assert all(isinstance(c, DeliveredMessage) for c in returned)
    assert [c.body for c in returned if isinstance(c, DeliveredMessage)] == [
        m.body for m in outgoing(5)
    ]


async def test_a_nacked_message_raises_delivery_error(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    exchange, queue = await bound_queue(
        channel, "k", {"x-max-length": 5, "x-overflow": "reject-publish"}
    )
    underlay = await aiormq_channel(channel)

    with pytest.raises(aiormq.exceptions.DeliveryError):
        await published(underlay, outgoing(20), exchange.name, "k")
    assert len(await drain(queue, 5)) == 5


async def test_a_channel_closed_by_the_broker_rejects_the_batch_instead_of_hanging(
    channel: aio_pika.abc.AbstractChannel,
) -> None:
    underlay = await aiormq_channel(channel)
    with pytest.raises(aiormq.exceptions.ChannelNotFoundEntity):
        await published(underlay, outgoing(10), f"missing-{uuid4().hex}", "k")


async def test_a_channel_without_confirms_is_refused(amqp_url: str) -> None:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        plain = await connection.channel(publisher_confirms=False)
        with pytest.raises(ValueError, match="publisher confirms"):
            await publish_batch(
                await plain.get_underlay_channel(),
                outgoing(1),
                exchange="",
                routing_key="k",
                mandatory=False,
            )
    finally:
        await connection.close()
