"""Requests waiting for a run's `job.finished`: asyncio futures keyed by jobRunId.

Register BEFORE publishing the command, so a fast finish is never missed.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from sportify_common.messages import JobFinished


class Waiters:
    def __init__(self) -> None:
        self._futures: dict[UUID, list[asyncio.Future[JobFinished]]] = {}

    def __len__(self) -> int:
        return sum(len(futures) for futures in self._futures.values())

    def register(self, run_id: UUID) -> asyncio.Future[JobFinished]:
        future: asyncio.Future[JobFinished] = asyncio.get_running_loop().create_future()
        self._futures.setdefault(run_id, []).append(future)
        return future

    def discard(self, run_id: UUID, future: asyncio.Future[JobFinished]) -> None:
        futures = self._futures.get(run_id)
        if futures is None:
            return
        if future in futures:
            futures.remove(future)
        if not futures:
            del self._futures[run_id]
        if not future.done():
            future.cancel()

    def resolve(self, message: JobFinished) -> int:
        """Hand `message` to every waiter of its run; how many were waiting."""
        futures = self._futures.pop(message.job_run_id, [])
        woken = 0
        for future in futures:
            if not future.done():
                future.set_result(message)
                woken += 1
        return woken

    async def wait(
        self, run_id: UUID, future: asyncio.Future[JobFinished], timeout: float
    ) -> JobFinished | None:
        """The run's job.finished, or None after `timeout` seconds. Always deregisters."""
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=timeout)
        except TimeoutError:
            return None
        finally:
            self.discard(run_id, future)

    def cancel_all(self) -> None:
        for futures in self._futures.values():
            for future in futures:
                future.cancel()
        self._futures.clear()
