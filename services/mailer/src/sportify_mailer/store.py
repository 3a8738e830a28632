"""Micro-batched storing of `email.requested` (SPEC 4.4, 7).

Handlers hand their message to `BatchWriter.store()` and wait. One writer task collects up to
`max_batch` messages or `max_wait` seconds' worth, inserts them with ONE multi-row
`INSERT ... ON CONFLICT (idempotency_key) DO NOTHING`, commits, and only then resolves the
waiting handlers, so every ack follows the commit. A database error fails the whole batch;
each handler then raises and its message is redelivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock, utc_now
from sportify_common.messages import EmailRequested
from sportify_mailer import queries

logger = logging.getLogger(__name__)

OnStored = Callable[[Sequence[UUID]], None]
_Item = tuple[EmailRequested | None, "asyncio.Future[bool]"]  # None: stop


class BatchWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock = utc_now,
        on_stored: OnStored | None = None,
        max_batch: int = 500,
        max_wait: float = 0.02,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._on_stored = on_stored
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="mailer-batch-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop. Call after the broker stopped consuming."""
        task, self._task = self._task, None
        if task is None:
            return
        await self._queue.put((None, asyncio.get_running_loop().create_future()))
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def store(self, message: EmailRequested) -> bool:
        """Return once `message` is committed: True if new, False if its key was already stored."""
        if self._task is None:
            raise RuntimeError("the batch writer is not running")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((message, future))
        return await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            batch: list[_Item] = []
            if first[0] is None:
                stopping = True
            else:
                batch.append(first)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._max_wait
            while not stopping and len(batch) < self._max_batch:
                if self._queue.empty():
                    timeout = deadline - loop.time()
                    if timeout <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._queue.get(), timeout)
                    except TimeoutError:
                        break
                else:
                    item = self._queue.get_nowait()
                if item[0] is None:
                    stopping = True
                else:
                    batch.append(item)
            # When stopping, also take whatever is still queued.
            while stopping and not self._queue.empty():
                item = self._queue.get_nowait()
                if item[0] is not None:
                    batch.append(item)
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[_Item]) -> None:
        messages = [m for m, _ in batch if m is not None]
        try:
            async with self._engine.begin() as conn:
                inserted = await queries.insert_requested(conn, messages, now=self._clock())
        except Exception as exc:
            logger.exception("storing %d requested emails failed", len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        new_keys = {key for _, key in inserted}
        for message, future in batch:
            if message is not None and not future.done():
                future.set_result(message.idempotency_key in new_keys)
        if inserted and self._on_stored is not None:
            self._on_stored([email_id for email_id, _ in inserted])
