"""Scrape-time gauges read from the database, refreshed at most every `interval` seconds."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock
from sportify_common.metrics import Metrics
from sportify_common.vocabulary import EmailStatus
from sportify_monitor import queries
from sportify_monitor.throttle import ThrottledRefresh

logger = logging.getLogger("sportify.monitor.gauges")


class ScrapeGauges(ThrottledRefresh):
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        metrics: Metrics,
        clock: Clock,
        stuck_threshold_minutes: float,
        interval: float = 10.0,
    ) -> None:
        super().__init__(interval=interval, logger=logger, what="scrape gauges")
        self._engine = engine
        self._metrics = metrics
        self._clock = clock
        self._threshold = timedelta(minutes=stuck_threshold_minutes)

    async def _update(self) -> None:
        """Update the gauges from one query; a database outage keeps the last values."""
        async with self._engine.connect() as conn:
            counts = await queries.gauge_counts(conn, cutoff=self._clock() - self._threshold)
        self._metrics.jobs_stuck.set(counts.stuck)
        by_status = dict(counts.email_statuses)
        for status in sorted({*EmailStatus, *by_status}):
            self._metrics.email_queue_messages.labels(status=status).set(by_status.get(status, 0))
