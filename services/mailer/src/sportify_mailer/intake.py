"""The mailer's intake (SPEC 4.4, 7): a raw aio-pika consumer storing `email.requested` in batches.

Why not a FastStream subscriber: at a weekly run's volume its per-message chain (middlewares,
decoding, dependency injection, one ack per message) made storing the summaries alone take
longer than the whole run may take; consuming with aio-pika directly and acknowledging a
committed batch with ONE `ack(multiple=True)` does not (figures in bench/README.md).

The failure policy is the one of `sportify_common.consumers`, message by message:

- A body that is not JSON or not a valid `EmailRequested` is rejected without requeue at once,
  so it lands in the dead-letter queue (and never holds up its batch).
- A batch is ONE multi-row `INSERT ... ON CONFLICT (idempotency_key) DO NOTHING` and one
  commit; only after the commit is the batch acknowledged (the newest delivery tag with
  `multiple=True`: every older tag of this channel is in this batch or already settled,
  because batches are taken in delivery order by a single writer).
- A database failure rejects every message of the batch with requeue after a short pause and,
  during an outage, once the database answers again (at most `database_wait` seconds): the
  quorum queue counts the delivery, so a message that keeps failing is dead-lettered after
  MESSAGE_MAX_DELIVERIES attempts, but an outage alone does not burn them.
- The consumer has its own channel with a bounded prefetch, so at most `prefetch` messages
  are in memory. Shutdown stops consuming first, then writes and acknowledges what was
  already delivered. Redelivery is harmless: the idempotency key makes a second insert a
  no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from faststream.rabbit import Channel, RabbitBroker, RabbitQueue
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock, utc_now
from sportify_common.db.engine import DatabaseRecovery
from sportify_common.messages import EmailRequested
from sportify_mailer import queries

logger = logging.getLogger(__name__)

OnStored = Callable[[Sequence[UUID]], None]


class RequestedEmailConsumer:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock = utc_now,
        on_stored: OnStored | None = None,
        max_batch: int = 500,
        max_wait: float = 0.02,
        failure_pause: float = 1.0,
        database_wait: float = 60.0,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._on_stored = on_stored
        self.max_batch = max_batch
        self._max_wait = max_wait
        self._failure_pause = failure_pause
        self._recovery = DatabaseRecovery(engine, timeout=database_wait)
        self._inbox: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None

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
        self._task = asyncio.create_task(self._run(), name="mailer-email-requested")
        self._consumer_tag = await self._queue.consume(self._received, no_ack=False)

    async def stop(self) -> None:
        """Stop consuming, store and acknowledge what was already delivered, then end."""
        queue, tag = self._queue, self._consumer_tag
        self._consumer_tag = None
        if queue is not None and tag is not None:
            try:
                await queue.cancel(tag)
            except Exception:  # the channel is gone: unacked deliveries return to the queue
                logger.warning("could not cancel the email.requested consumer", exc_info=True)
        task, self._task = self._task, None
        if task is None:
            return
        self._inbox.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _received(self, message: AbstractIncomingMessage) -> None:
        self._inbox.put_nowait(message)

    async def _run(self) -> None:
        stopping = False
        loop = asyncio.get_running_loop()
        while not stopping:
            first = await self._inbox.get()
            batch: list[AbstractIncomingMessage] = []
            if first is None:
                stopping = True
            else:
                batch.append(first)
            deadline = loop.time() + self._max_wait
            while not stopping and len(batch) < self.max_batch:
                if self._inbox.empty():
                    timeout = deadline - loop.time()
                    if timeout <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._inbox.get(), timeout)
                    except TimeoutError:
                        break
                else:
                    item = self._inbox.get_nowait()
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
            while stopping and not self._inbox.empty():  # delivered before the cancel
                item = self._inbox.get_nowait()
                if item is not None:
                    batch.append(item)
            if batch:
                await self._store(batch)

    async def _store(self, batch: list[AbstractIncomingMessage]) -> None:
        valid: list[tuple[AbstractIncomingMessage, EmailRequested]] = []
        for message in batch:
            try:
                valid.append((message, EmailRequested.model_validate_json(message.body)))
            except ValidationError as exc:
                logger.error(
                    "dead-lettering email.requested %s: %s",
                    message.message_id,
                    exc.errors(include_url=False, include_input=False)[:3],
                )
                await _settle(message.reject(requeue=False))
        if not valid:
            return
        try:
            async with self._engine.begin() as conn:
                inserted = await queries.insert_requested(
                    conn, [email for _, email in valid], now=self._clock()
                )
        except Exception:
            logger.exception(
                "storing %d requested emails failed; they go back to the queue", len(valid)
            )
            await asyncio.sleep(self._failure_pause)
            # During an outage, hold the batch until the database answers (up to
            # `database_wait`), so quick redeliveries do not use up the delivery limit.
            await self._recovery.wait()
            for message, _ in valid:
                await _settle(message.reject(requeue=True))
            return
        await _settle(valid[-1][0].ack(multiple=True))
        if inserted and self._on_stored is not None:
            self._on_stored([email_id for email_id, _ in inserted])


async def _settle(action: Awaitable[None]) -> None:
    """Ack/reject; after a reconnect the old delivery tags are void and RabbitMQ redelivers."""
    try:
        await action
    except Exception:
        logger.warning("could not settle an email.requested delivery", exc_info=True)
