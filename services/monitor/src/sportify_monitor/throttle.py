"""Refreshing scrape-time gauges at most every `interval` seconds; a failure keeps the last values.

A refresh that takes long waits longer for the next: at least `1 / max_share` times its own
duration. The counts behind the gauges read whole tables (email_queue grows by a million
rows in a weekly run at 1,000,000 users), so a fixed interval made their cost over a run
grow with the square of its size; this way they take at most `max_share` of one database
connection's time, whatever the size (issue 17, bench/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from time import monotonic


class ThrottledRefresh:
    """Subclasses implement `_update()`; `refresh()` runs it unless the values are fresh."""

    def __init__(
        self, *, interval: float, logger: logging.Logger, what: str, max_share: float = 0.05
    ) -> None:
        self._interval = interval
        self._max_share = max_share
        self._logger = logger
        self._what = what
        self._refreshed_at: float | None = None
        self._fresh_for = interval
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            now = monotonic()
            fresh = self._refreshed_at is not None and now - self._refreshed_at < self._fresh_for
            if fresh and not force:
                return
            try:
                await self._update()
            except Exception as exc:  # an outage: keep serving the last values
                self._logger.warning("could not refresh %s: %r", self._what, exc)
                return
            self._refreshed_at = now
            if self._interval > 0:  # 0 (the tests'): every scrape refreshes
                took = monotonic() - now
                self._fresh_for = max(self._interval, took / self._max_share)

    async def _update(self) -> None:
        raise NotImplementedError
