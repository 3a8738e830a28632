"""Scrape-time gauges read from the database, refreshed at most every `interval` seconds.

`sportify_email_queue_messages{status}` and `sportify_email_suppressions` are the monitor's
alone: no other service sets them, so every sample is one monitor's count of the whole table.
`sportify_emails_requeued_total` is created here too: only the monitor's admin API requeues.
`sportify_schedule_paused{job}` (1 paused, 0 not, every scheduled job) is set here alone too:
the schedule states are a table, so one reader's count of it is the truth for every replica.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common import email_queue_reads, mail_admin, schedules
from sportify_common.clock import Clock
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName
from sportify_common.metrics import Metrics
from sportify_common.vocabulary import EmailStatus
from sportify_monitor.throttle import ThrottledRefresh

logger = logging.getLogger("sportify.monitor.gauges")


def suppressions_gauge(registry: CollectorRegistry) -> Gauge:
    return Gauge(
        "sportify_email_suppressions",
        "Addresses on the suppression list whose entry has not expired",
        registry=registry,
    )


def schedule_paused_gauge(registry: CollectorRegistry) -> Gauge:
    return Gauge(
        "sportify_schedule_paused",
        "1 while an operator has paused the job's schedule, else 0",
        ["job"],
        registry=registry,
    )


def emails_requeued_counter(registry: CollectorRegistry) -> Counter:
    return Counter(
        "sportify_emails_requeued",
        "Failed emails an operator put back to pending",
        registry=registry,
    )


def email_queue_gauge(registry: CollectorRegistry) -> Gauge:
    return Gauge(
        "sportify_email_queue_messages", "Rows in email_queue", ["status"], registry=registry
    )


class ScrapeGauges(ThrottledRefresh):
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        metrics: Metrics,
        email_queue_messages: Gauge,
        clock: Clock,
        stuck_threshold_minutes: float,
        interval: float = 10.0,
        email_suppressions: Gauge | None = None,
        schedule_paused: Gauge | None = None,
    ) -> None:
        super().__init__(interval=interval, logger=logger, what="scrape gauges")
        self._engine = engine
        self._metrics = metrics
        self._email_queue_messages = email_queue_messages
        self._clock = clock
        self._threshold = timedelta(minutes=stuck_threshold_minutes)
        self._email_suppressions = email_suppressions
        self._schedule_paused = schedule_paused

    async def _update(self) -> None:
        """Update the gauges from two counts; a database outage keeps the last values."""
        async with self._engine.connect() as conn:
            stuck = await jobs.count_stuck(conn, cutoff=self._clock() - self._threshold)
            by_status = await email_queue_reads.counts_by_status(conn)
            suppressed = (
                await mail_admin.count_active_suppressions(conn, now=self._clock())
                if self._email_suppressions is not None
                else None
            )
            states = await schedules.states(conn) if self._schedule_paused is not None else {}
        self._metrics.jobs_stuck.set(stuck)
        for status in sorted({*EmailStatus, *by_status}):
            self._email_queue_messages.labels(status=status).set(by_status.get(status, 0))
        if self._email_suppressions is not None and suppressed is not None:
            self._email_suppressions.set(suppressed)
        if self._schedule_paused is not None:
            for job in JobName:
                state = states.get(job.value)
                self._schedule_paused.labels(job=job.value).set(
                    1 if state is not None and state.paused else 0
                )
