"""The RabbitMQ broker every service uses: confirms, bounded prefetch, metrics, topology."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from aiormq.abc import DeliveredMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from opentelemetry.trace import SpanKind
from pamqp.commands import Basic
from pamqp.common import FieldTable
from prometheus_client import CollectorRegistry

from sportify_common.amqp_direct.publish import Outgoing, publish_batch
from sportify_common.messages import RoutingKey, WireModel
from sportify_common.topology import CONSUMERS, Topology
from sportify_common.tracing import inject_headers, tracer, tracing_enabled

logger = logging.getLogger(__name__)


def create_broker(
    amqp_url: str,
    *,
    service: str,
    registry: CollectorRegistry,
    prefetch_count: int = 64,
    graceful_timeout: float = 30.0,
) -> RabbitBroker:
    """The broker of `service`. With tracing on (`tracing.configure_tracing` ran first), FastStream's
    telemetry middleware traces every publish and handler and carries the context in the
    message headers; with it off the middleware is left out (it would cost per message)."""
    separator = "&" if "?" in amqp_url else "?"
    telemetry = [RabbitTelemetryMiddleware()] if tracing_enabled() else []
    prometheus = RabbitPrometheusMiddleware(registry=registry, app_name=f"sportify-{service}")
    return RabbitBroker(
        f"{amqp_url}{separator}name=sportify-{service}",
        default_channel=Channel(prefetch_count=prefetch_count, publisher_confirms=True),
        middlewares=[*telemetry, prometheus],
        graceful_timeout=graceful_timeout,
        reconnect_interval=2.0,
        logger=logging.getLogger(f"sportify.{service}.broker"),
        log_level=logging.DEBUG,
    )


class UnroutableMessageError(RuntimeError):
    """RabbitMQ returned a published message: no queue is bound for its routing key."""


async def declare_topology(broker: RabbitBroker, topology: Topology) -> None:
    """Declare the exchange and every consumer queue with its dead-letter queue (idempotent)."""
    exchange = await broker.declare_exchange(topology.exchange)
    for service, key in CONSUMERS:
        queue = await broker.declare_queue(topology.queue(service, key))
        await queue.bind(exchange, routing_key=key.value)
    for service, key in CONSUMERS:
        await declare_dead_letter_queues(broker, topology, service, [key])


async def declare_dead_letter_queues(
    broker: RabbitBroker, topology: Topology, service: str, keys: Iterable[RoutingKey]
) -> None:
    """DLQs have no consumer, so they are declared (and bound) explicitly after connect."""
    exchange = await broker.declare_exchange(topology.dead_letter_exchange)
    for key in keys:
        queue = await broker.declare_queue(topology.dead_letter_queue(service, key))
        await queue.bind(exchange, routing_key=topology.queue_name(service, key))


async def publish(
    broker: RabbitBroker, topology: Topology, key: RoutingKey, message: WireModel
) -> None:
    """Publish persistently with confirms; an unroutable message is an error, not silence.

    job.finished is the exception: its listeners are per-replica queues of the monitor, and
    when no monitor is listening nobody is waiting for it either.
    """
    # Typed as a confirmation frame, but a returned (unroutable) message comes back as the
    # DeliveredMessage itself.
    confirmation: object = await broker.publish(
        message.to_wire(),
        exchange=topology.exchange,
        routing_key=key.value,
        persist=True,
        mandatory=True,
        content_type="application/json",
    )
    if isinstance(confirmation, DeliveredMessage) and key is not RoutingKey.JOB_FINISHED:
        raise UnroutableMessageError(
            f"{key.value} was returned by RabbitMQ: no queue is bound in exchange "
            f"{topology.exchange.name!r}"
        )


PUBLISH_BATCH = 500


async def publish_many(
    broker: RabbitBroker,
    topology: Topology,
    key: RoutingKey,
    messages: Sequence[WireModel],
    *,
    batch_size: int = PUBLISH_BATCH,
) -> None:
    """`publish` for many messages at once, with the same guarantees and far less CPU.

    Each message is persistent, JSON, `mandatory`, and confirmed by RabbitMQ; an unroutable
    (returned) message raises `UnroutableMessageError` (job.finished excepted, as in
    `publish`). The messages go out on the broker's default channel (the one `publish`
    uses, publisher confirms on), `batch_size` at a time in one socket write each
    (`amqp_direct.publish`), without FastStream's per-message middleware and encoding chain.
    Confirms are awaited per batch, so at most `batch_size` messages are unconfirmed at
    once; a nacked message raises `aiormq.exceptions.DeliveryError`. When this returns,
    every message is confirmed.

    Each batch is a PRODUCER span, `publish <routing key>`; its context goes into every
    message's headers (`traceparent`), as FastStream's middleware would put it.
    """
    if not messages:
        return
    channel = await broker.config.channel_manager.get_channel()
    underlay = await channel.get_underlay_channel()
    exchange = topology.exchange.name
    for first in range(0, len(messages), batch_size):
        batch = messages[first : first + batch_size]
        with tracer.start_as_current_span(
            f"publish {key.value}",
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": exchange,
                "messaging.rabbitmq.destination.routing_key": key.value,
                "messaging.batch.message_count": len(batch),
            },
        ):
            headers: FieldTable | None = {**inject_headers()} or None
            confirmations = await publish_batch(
                underlay,
                [
                    Outgoing(
                        message.model_dump_json(by_alias=True).encode(),
                        Basic.Properties(
                            content_type="application/json", delivery_mode=2, headers=headers
                        ),
                    )
                    for message in batch
                ],
                exchange=exchange,
                routing_key=key.value,
                mandatory=True,
            )
        if key is not RoutingKey.JOB_FINISHED and any(
            isinstance(c, DeliveredMessage) for c in confirmations
        ):
            raise UnroutableMessageError(
                f"{key.value} was returned by RabbitMQ: no queue is bound in exchange "
                f"{topology.exchange.name!r}"
            )


async def delete_namespace(amqp_url: str, namespace: str) -> None:
    """Delete a namespace's durable queues, DLQs and exchanges (tests and benchmarks use
    throwaway namespaces; quorum queues left behind pile up in a shared RabbitMQ).

    The durable queues are those of `CONSUMERS` (what `declare_topology` declares); every
    other queue is exclusive or auto-deleted with its connection."""
    import aio_pika

    topology = Topology(namespace)
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        for service, key in CONSUMERS:
            name = topology.queue_name(service, key)
            await channel.queue_delete(name)
            await channel.queue_delete(f"{name}.dlq")
        await channel.exchange_delete(topology.exchange.name)
        await channel.exchange_delete(topology.dead_letter_exchange.name)
    finally:
        await connection.close()
