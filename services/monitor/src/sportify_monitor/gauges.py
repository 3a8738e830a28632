"""Scrape-time gauges read from the database, refreshed at most every `interval` seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock
from sportify_common.metrics import Metrics
from sportify_monitor import queries

logger = logging.getLogger("sportify.monitor.gauges")

EMAIL_STATUSES = ("pending", "retrying", "sent", "failed", "skipped")


class ScrapeGauges:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        metrics: Metrics,
        clock: Clock,
        stuck_threshold_minutes: float,
        interval: float = 10.0,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._clock = clock
        self._threshold = timedelta(minutes=stuck_threshold_minutes)
        self._interval = interval
        self._refreshed_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        """Update the gauges unless fresh; a database outage keeps the last values."""
        async with self._lock:
            now = time.monotonic()
            if (
                not force
                and self._refreshed_at is not None
                and now - self._refreshed_at < self._interval
            ):
                return
            try:
                async with self._engine.connect() as conn:
                    counts = await queries.gauge_counts(
                        conn, cutoff=self._clock() - self._threshold
                    )
            except Exception as exc:
                logger.warning("could not refresh scrape gauges: %r", exc)
                return
            self._refreshed_at = now
            self._metrics.jobs_stuck.set(counts.stuck)
            by_status = dict(counts.email_statuses)
            for status in sorted({*EMAIL_STATUSES, *by_status}):
                self._metrics.email_queue_messages.labels(status=status).set(
                    by_status.get(status, 0)
                )
