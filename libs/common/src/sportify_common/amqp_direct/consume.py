"""Consuming one queue with aio-pika directly, in batches, settled after each batch's work.

FastStream's subscriber handles and acknowledges one message at a time; a handler that wants
to commit many messages in one transaction and acknowledge them with ONE `ack(multiple=True)`
needs the deliveries themselves (README.md here says why and what would let this go).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from enum import Enum

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from faststream.rabbit import Channel, RabbitBroker, RabbitQueue

logger = logging.getLogger(__name__)


class _Wait(Enum):
    EXPIRED = "expired"


class BatchConsumer(ABC):
    """Consume a queue on a channel of its own and hand its deliveries to `handle_batch`, in
    delivery order, one batch at a time.

    A batch starts with the next delivery and takes whatever else is already delivered,
    waiting up to `max_wait` seconds after its first message for more, until `max_batch`.
    `handle_batch` settles every message of its batch (see `settle`). Because one batch is
    handled at a time, every delivery tag older than a batch's newest one belongs to that
    batch or is settled already, so `newest.ack(multiple=True)` acknowledges exactly the
    batch. At most `prefetch` messages are in memory.
    """

    def __init__(self, *, name: str, max_batch: int, max_wait: float) -> None:
        self.name = name
        self.max_batch = max_batch
        self._max_wait = max_wait
        self._inbox: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None

    @abstractmethod
    async def handle_batch(self, batch: list[AbstractIncomingMessage]) -> None:
        """Do the batch's work, then ack, reject or requeue each of its messages."""

    async def start(self, broker: RabbitBroker, queue: RabbitQueue, *, prefetch: int) -> None:
        """Consume `queue` (declared with its topology arguments) on a channel of its own."""
        if self._task is not None:
            return
        channel = await broker.config.channel_manager.get_channel(Channel(prefetch_count=prefetch))
        self._queue = await channel.declare_queue(
            name=queue.name,
            durable=queue.durable,
            exclusive=queue.exclusive,
            auto_delete=queue.auto_delete,
            arguments=queue.arguments,
        )
        self._task = asyncio.create_task(self._run(), name=f"consume-{self.name}")
        self._consumer_tag = await self._queue.consume(self._received, no_ack=False)

    async def stop(self) -> None:
        """Stop consuming, handle what was already delivered, then end."""
        queue, tag = self._queue, self._consumer_tag
        self._consumer_tag = None
        if queue is not None and tag is not None:
            try:
                await queue.cancel(tag)
            except Exception:  # the channel is gone: unacked deliveries return to the queue
                logger.warning("could not cancel the %s consumer", self.name, exc_info=True)
        task, self._task = self._task, None
        if task is None:
            return
        self._inbox.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def settle(self, action: Awaitable[None]) -> None:
        """Ack/reject; after a reconnect the old delivery tags are void and RabbitMQ redelivers."""
        try:
            await action
        except Exception:
            logger.warning("could not settle a delivery of %s", self.name, exc_info=True)

    async def _received(self, message: AbstractIncomingMessage) -> None:
        self._inbox.put_nowait(message)

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = await self._next_batch()
            if stopping:
                batch += self._delivered_before_stop()
            if batch:
                await self.handle_batch(batch)

    async def _next_batch(self) -> tuple[list[AbstractIncomingMessage], bool]:
        """The next delivery and what follows it in time; and whether `stop()` was called."""
        first = await self._inbox.get()
        if first is None:
            return [], True
        batch = [first]
        deadline = asyncio.get_running_loop().time() + self._max_wait
        while len(batch) < self.max_batch:
            item = await self._next_before(deadline)
            if item is _Wait.EXPIRED:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    async def _next_before(self, deadline: float) -> AbstractIncomingMessage | _Wait | None:
        """A delivery already waiting, else the next one if it comes before `deadline`."""
        if not self._inbox.empty():
            return self._inbox.get_nowait()
        timeout = deadline - asyncio.get_running_loop().time()
        if timeout <= 0:
            return _Wait.EXPIRED
        try:
            return await asyncio.wait_for(self._inbox.get(), timeout)
        except TimeoutError:
            return _Wait.EXPIRED

    def _delivered_before_stop(self) -> list[AbstractIncomingMessage]:
        """What arrived between the last batch and the cancel of the consumer."""
        drained = [self._inbox.get_nowait() for _ in range(self._inbox.qsize())]
        return [message for message in drained if message is not None]
