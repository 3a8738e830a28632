"""Remove a test namespace's durable queues and exchanges, so quorum queues do not pile up
in the shared RabbitMQ across test runs (auto-delete test queues go by themselves)."""

from __future__ import annotations

import aio_pika

from sportify_common.messages import RoutingKey
from sportify_common.runner import SERVICES
from sportify_common.topology import Topology


async def delete_namespace(amqp_url: str, namespace: str) -> None:
    topology = Topology(namespace)
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        for service in SERVICES:
            for key in RoutingKey:
                name = topology.queue_name(service, key)
                await channel.queue_delete(name)
                await channel.queue_delete(f"{name}.dlq")
        await channel.exchange_delete(topology.exchange.name)
        await channel.exchange_delete(topology.dead_letter_exchange.name)
    finally:
        await connection.close()
