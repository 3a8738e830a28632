"""Background sending: workers that send freshly stored emails, and the periodic drain loop.

Storing never waits for sending: `hint()` only drops ids on an in-memory queue. Workers take
batches of ids from it and deliver them (claiming each row under its lock, so a row the
drain loop or another replica already holds is skipped). Anything a worker never reaches
(a full hint queue, a crash, a retry whose time has come) is sent by the drain loop, which
runs every EMAIL_RETRY_POLL_SECONDS, and at once when `wake()` is called (the SMTP circuit
closed: everything held back while it was open goes out at full speed).

While the circuit is open a worker's batch and the drain loop's rounds claim nothing (see
`Delivery.deliver_batch`); the ids hinted meanwhile are left to the drain loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from uuid import UUID

from opentelemetry.context import Context

from sportify_mailer.delivery import Delivery, DueWalk

logger = logging.getLogger(__name__)

HINT_QUEUE_SIZE = 200_000


class SenderWorkers:
    def __init__(
        self,
        delivery: Delivery,
        *,
        workers: int,
        poll_seconds: float,
        drain_limit: int = 1000,
    ) -> None:
        self._delivery = delivery
        self._workers = workers
        self._poll_seconds = poll_seconds
        self._drain_limit = drain_limit
        self._hints: asyncio.Queue[tuple[UUID, Context | None]] = asyncio.Queue(
            maxsize=HINT_QUEUE_SIZE
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"mailer-sender-{i}")
            for i in range(self._workers)
        ]
        self._poller = asyncio.create_task(self._poll(), name="mailer-drain-loop")

    def hint(self, ids: Sequence[UUID], origin: Context | None = None) -> None:
        """Ask for these newly stored ids to be sent soon; never blocks (the loop is the backstop).

        `origin` (the intake's store span) is the trace context their SMTP sends belong to."""
        for email_id in ids:
            try:
                self._hints.put_nowait((email_id, origin))
            except asyncio.QueueFull:
                return

    def wake(self) -> None:
        """Run the drain loop now instead of at its next poll."""
        self._wake.set()

    async def stop_polling(self) -> None:
        """Let the drain loop finish its current batch, then end it."""
        self._stopping.set()
        self._wake.set()
        poller, self._poller = self._poller, None
        if poller is not None:
            await poller

    async def stop(self) -> None:
        """Stop taking new work; sends in progress finish and are recorded first."""
        await self.stop_polling()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()  # interrupts a worker waiting for hints; a running batch is shielded
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _work(self) -> None:
        batch_size = self._delivery.config.batch_size
        while not self._stopping.is_set():
            first = await self._hints.get()
            hints = [first]
            while len(hints) < batch_size and not self._hints.empty():
                hints.append(self._hints.get_nowait())
            job = asyncio.create_task(self._deliver(dict(hints)))
            self._inflight.add(job)
            job.add_done_callback(self._inflight.discard)
            await asyncio.shield(job)

    async def _deliver(self, origins: dict[UUID, Context | None]) -> None:
        ids = list(origins)
        try:
            await self._delivery.deliver_batch(limit=len(ids), ids=ids, origins=origins)
        except Exception:
            logger.exception("sending %d new emails failed; the drain loop will retry", len(ids))

    async def _poll(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                # One walk per round: the round's drains go on where the previous one ended.
                walk = DueWalk()
                while not self._stopping.is_set():
                    stats = await self._delivery.drain(self._drain_limit, walk=walk)
                    if stats.processed:
                        logger.info(
                            "drain loop: processed %d (sent %d, failed %d, skipped %d)",
                            stats.processed,
                            stats.sent,
                            stats.failed,
                            stats.skipped,
                        )
                    if stats.processed < self._drain_limit:
                        break
            except Exception:
                logger.exception("drain loop iteration failed")
