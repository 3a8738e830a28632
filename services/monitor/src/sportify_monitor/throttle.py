"""Refreshing scrape-time gauges at most every `interval` seconds; a failure keeps the last values."""

from __future__ import annotations

import asyncio
import logging
import time


class ThrottledRefresh:
    """Subclasses implement `_update()`; `refresh()` runs it unless the values are fresh."""

    def __init__(self, *, interval: float, logger: logging.Logger, what: str) -> None:
        self._interval = interval
        self._logger = logger
        self._what = what
        self._refreshed_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            now = time.monotonic()
            fresh = self._refreshed_at is not None and now - self._refreshed_at < self._interval
            if fresh and not force:
                return
            try:
                await self._update()
            except Exception as exc:  # an outage: keep serving the last values
                self._logger.warning("could not refresh %s: %r", self._what, exc)
                return
            self._refreshed_at = now

    async def _update(self) -> None:
        raise NotImplementedError
