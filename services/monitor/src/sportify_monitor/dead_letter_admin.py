"""Dead letters for operators (SPEC 12.5): list with depths, peek, replay, purge.

Only this namespace's DLQs (`topology.CONSUMERS`) are reachable; any other name is unknown
(404 at the route). Every call opens a connection and channel of its own (aio-pika directly)
and closes them: nothing here shares or blocks the broker's channels, and a message a call
holds unacknowledged goes back to its queue if the call dies.

**Peek** takes the first `limit` messages with `basic.get` (no auto-ack) on one channel,
holding them unacknowledged (so each get returns the next one), reads them, then returns
them with `basic.nack(requeue=True)` in delivery order; the depth never changes. Where a
returned message goes depends on the broker: classic queues put it back in its place, but
quorum queues on RabbitMQ 3.x (ours: 3.10 in tests, 3.13 in docker-compose) append it to
the tail. So a peek that did not take the whole queue then takes and returns every message
behind the peeked ones once, oldest first, which puts them behind the peeked ones again:
the original order (it notices a broker that returns to the head by getting the first
peeked message again, and stops). The cost is the broker's bookkeeping: every message
rotated is `redelivered` from then on and its `x-delivery-count` counts one more per peek.
Our DLQs are declared without a delivery limit, which on RabbitMQ 3.x means unlimited, so
peeking never loses a message there; RabbitMQ 4.0-4.2 give quorum queues a default limit
of 20 deliveries and a DLQ has no dead-letter exchange of its own: there, set a policy
`delivery-limit: -1` on `<ns>.*.dlq` (4.3 no longer counts a nack). A message dead-lettered
while a peek rotates may land ahead of older ones it has not rotated yet. DLQs have no
consumer; two concurrent peeks would each see a different slice.

**Replay** gets one message at a time (no auto-ack), republishes body, properties and
headers (minus the broker's `x-delivery-count`; the copy is a new message, unredelivered,
so the consumer's own delivery limit counts from zero) through the namespace exchange to its
original routing key (`x-death`'s `routing-keys`, else the key the DLQ belongs to) as
persistent and mandatory on a publisher-confirm channel, and acks it only after the broker
confirmed the copy. A returned (unroutable) copy is not confirmed: the original is put back
and the replay stops there (409). A replay takes at most the messages waiting when it
starts, so one that is refused again at once (dead-lettered behind them) is not replayed twice. A crash between confirm and ack leaves both: at-least-once,
and every consumer is idempotent (SPEC 7).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import aiormq.exceptions
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aiormq.abc import DeliveredMessage

from sportify_common.topology import CONSUMERS, Topology

logger = logging.getLogger("sportify.monitor.dead_letter_admin")

MAX_BODY_BYTES = 64 * 1024
CONNECT_TIMEOUT_SECONDS = 5.0
CALL_TIMEOUT_SECONDS = 60.0
MAX_ROTATION = 100_000
_BROKER_HEADERS = frozenset({"x-delivery-count"})


class UnknownQueueError(LookupError):
    """Not one of this namespace's dead-letter queues."""


class BrokerUnavailableError(RuntimeError):
    """RabbitMQ could not be reached or closed the connection."""


class UnroutableReplayError(RuntimeError):
    def __init__(self, routing_key: str, replayed: int) -> None:
        super().__init__(
            f"the broker returned a replayed message: no queue is bound for routing key "
            f"{routing_key!r}; {replayed} replayed before it, it stays in the queue"
        )
        self.replayed = replayed


@dataclass(frozen=True, slots=True)
class DeadLetterQueue:
    name: str
    source_queue: str
    """The consumer queue that dead-letters into it."""
    routing_key: str
    """The key that queue is bound with: the original routing key of what lands here."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    routing_key: str
    body: str
    body_truncated: bool
    reason: str | None
    count: int | None
    first_death_at: datetime | None
    message_id: str | None
    content_type: str | None


def namespace_queues(topology: Topology) -> dict[str, DeadLetterQueue]:
    queues = {}
    for service, key in CONSUMERS:
        name = topology.dead_letter_queue(service, key).name
        queues[name] = DeadLetterQueue(name, topology.queue_name(service, key), key.value)
    return queues


def resolve(topology: Topology, name: str) -> DeadLetterQueue:
    queue = namespace_queues(topology).get(name)
    if queue is None:
        raise UnknownQueueError(name)
    return queue


@asynccontextmanager
async def _channel(amqp_url: str, *, confirms: bool) -> AsyncIterator[AbstractChannel]:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            connection = await aio_pika.connect(amqp_url)
    except (OSError, TimeoutError, aiormq.exceptions.AMQPError) as exc:
        raise BrokerUnavailableError(str(exc) or type(exc).__name__) from exc
    try:
        channel = await connection.channel(publisher_confirms=confirms)
        async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
            yield channel
    except aiormq.exceptions.AMQPConnectionError as exc:
        raise BrokerUnavailableError(str(exc) or type(exc).__name__) from exc
    finally:
        try:
            await connection.close()
        except Exception:  # closing a broken connection: nothing left to do
            logger.debug("closing the dead-letter connection failed", exc_info=True)


async def depths(amqp_url: str, topology: Topology) -> list[tuple[str, int]]:
    """Every DLQ of the namespace with its depth (0 for one not declared yet)."""
    answer = []
    async with _channel(amqp_url, confirms=False) as channel:
        for name in namespace_queues(topology):
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aiormq.exceptions.ChannelNotFoundEntity:
                answer.append((name, 0))
                await channel.reopen()
                continue
            count = queue.declaration_result.message_count
            answer.append((name, int(count or 0)))
    return answer


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _death(headers: Mapping[str, Any], source_queue: str) -> Mapping[str, Any] | None:
    deaths = headers.get("x-death")
    if not isinstance(deaths, list) or not deaths:
        return None
    entries = [d for d in deaths if isinstance(d, Mapping)]
    for entry in entries:
        if _text(entry.get("queue")) == source_queue:
            return entry
    return entries[0] if entries else None


def original_routing_key(headers: Mapping[str, Any], queue: DeadLetterQueue) -> str:
    death = _death(headers, queue.source_queue)
    keys = death.get("routing-keys") if death is not None else None
    if isinstance(keys, list) and keys:
        return _text(keys[0]) or queue.routing_key
    return queue.routing_key


def describe(message: AbstractIncomingMessage, queue: DeadLetterQueue) -> DeadLetter:
    headers = dict(message.headers or {})
    death = _death(headers, queue.source_queue)
    first = death.get("time") if death is not None else None
    if isinstance(first, datetime) and first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    count = death.get("count") if death is not None else None
    body = message.body[:MAX_BODY_BYTES]
    return DeadLetter(
        routing_key=original_routing_key(headers, queue),
        body=body.decode("utf-8", errors="replace"),
        body_truncated=len(message.body) > MAX_BODY_BYTES,
        reason=_text(death.get("reason")) if death is not None else None,
        count=int(count) if isinstance(count, int) else None,
        first_death_at=first if isinstance(first, datetime) else None,
        message_id=message.message_id,
        content_type=message.content_type,
    )


async def peek(amqp_url: str, topology: Topology, name: str, *, limit: int) -> list[DeadLetter]:
    """The first `limit` messages, left in place, in their order (see the module's notes)."""
    queue = resolve(topology, name)
    async with _channel(amqp_url, confirms=False) as channel:
        dlq = await channel.declare_queue(queue.name, passive=True)
        depth = int(dlq.declaration_result.message_count or 0)
        held: list[AbstractIncomingMessage] = []
        try:
            while len(held) < min(limit, depth):
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                held.append(message)
            letters = [describe(message, queue) for message in held]
        finally:
            for message in held:  # in delivery order
                await message.nack(requeue=True)
        if held and depth > len(held):
            await _restore_order(dlq, first=_fingerprint(held[0]), rest=depth - len(held))
        return letters


def _fingerprint(message: AbstractIncomingMessage) -> tuple[object, ...]:
    headers = {k: v for k, v in (message.headers or {}).items() if k not in _BROKER_HEADERS}
    return (message.message_id, message.body, repr(sorted(headers.items())))


async def _restore_order(dlq: AbstractQueue, *, first: tuple[object, ...], rest: int) -> None:
    """Put the queue back in its order after the peeked messages were returned.

    A broker that returns a nacked message to the head (as classic queues do) has nothing
    to restore: the next get is the first peeked message again. One that appends it to the
    tail (quorum queues on RabbitMQ 3.x) now holds the `rest` behind the peeked ones, so
    each of those is taken and returned once (oldest first), which appends it behind them
    again: the original order, at the price of one redelivery per message in the queue.
    """
    for index in range(min(rest, MAX_ROTATION)):
        message = await dlq.get(no_ack=False, fail=False)
        if message is None:
            return
        await message.nack(requeue=True)
        if index == 0 and _fingerprint(message) == first:
            return  # returned to the head: the order never changed
    if rest > MAX_ROTATION:
        logger.warning(
            "peek of %s: %d messages behind the peeked ones, only %d moved back into order",
            dlq.name,
            rest,
            MAX_ROTATION,
        )


async def replay(amqp_url: str, topology: Topology, name: str, *, limit: int) -> int:
    """Republish up to `limit` of the messages waiting now to their original routing keys;
    each is removed only after its copy was confirmed. Returns how many."""
    queue = resolve(topology, name)
    replayed = 0
    async with _channel(amqp_url, confirms=True) as channel:
        dlq = await channel.declare_queue(queue.name, passive=True)
        # At most the messages there now: one that fails again at once is dead-lettered
        # behind them and must not come round a second time in the same call.
        limit = min(limit, int(dlq.declaration_result.message_count or 0))
        exchange = await channel.get_exchange(topology.exchange.name, ensure=False)
        while replayed < limit:
            message = await dlq.get(no_ack=False, fail=False)
            if message is None:
                break
            routing_key = original_routing_key(message.headers or {}, queue)
            copy = aio_pika.Message(
                message.body,
                headers={
                    k: v for k, v in (message.headers or {}).items() if k not in _BROKER_HEADERS
                },
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
                timestamp=message.timestamp,
                type=message.type,
                app_id=message.app_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            try:
                confirmation = await exchange.publish(copy, routing_key=routing_key, mandatory=True)
            except BaseException:
                await message.nack(requeue=True)
                raise
            if isinstance(confirmation, DeliveredMessage):  # returned: nobody bound
                await message.nack(requeue=True)
                raise UnroutableReplayError(routing_key, replayed)
            await message.ack()
            replayed += 1
    return replayed


async def purge(amqp_url: str, topology: Topology, name: str) -> int:
    """Drop every message of the DLQ; returns how many."""
    queue = resolve(topology, name)
    async with _channel(amqp_url, confirms=False) as channel:
        dlq = await channel.declare_queue(queue.name, passive=True)
        result = await dlq.purge()
    return int(getattr(result, "message_count", 0) or 0)
