"""`sportify_dead_letter_messages{queue}`: the depth of every DLQ, read at scrape time."""

from __future__ import annotations

import asyncio

import aio_pika
import httpx

from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from sportify_common.topology import CONSUMERS
from tests.integration.monitor.conftest import topology_of


async def test_metrics_show_the_depth_of_every_dead_letter_queue(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    topology = topology_of(settings)
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(topology.exchange.name)
        for body in (b"{not json", b'{"jobRunId": "nope"}'):
            await exchange.publish(
                aio_pika.Message(body), routing_key=RoutingKey.JOBS_CLEANUP.value
            )
        dlq = topology.dead_letter_queue("monitor", RoutingKey.JOBS_CLEANUP).name
        for _ in range(100):
            queue = await channel.declare_queue(dlq, passive=True)
            if queue.declaration_result.message_count == 2:
                break
            await asyncio.sleep(0.1)
    finally:
        await connection.close()

    text = (await client.get("/metrics")).text

    assert f'sportify_dead_letter_messages{{queue="{dlq}"}} 2.0' in text
    for service, key in CONSUMERS:
        name = topology.dead_letter_queue(service, key).name
        if name != dlq:
            assert f'sportify_dead_letter_messages{{queue="{name}"}} 0.0' in text
