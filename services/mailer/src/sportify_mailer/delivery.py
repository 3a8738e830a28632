"""Shell: claim due emails, send them, record each outcome — one transaction per batch.

The claimed rows stay locked (FOR UPDATE SKIP LOCKED) until the outcomes are written and
committed, so two dispatchers (tasks, processes or replicas) never send the same row twice.
A batch's emails go out concurrently over the SMTP pool.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock, utc_now
from sportify_common.metrics import Metrics
from sportify_common.vocabulary import EmailStatus
from sportify_mailer import queries
from sportify_mailer.compose import compose
from sportify_mailer.records import DeliveryStats, DueEmail
from sportify_mailer.retry import (
    Outcome,
    RetryPolicy,
    Rng,
    after_failure,
    after_success,
    skip_reason,
    skipped,
)
from sportify_mailer.smtp import Sender

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    sender_address: str
    policy: RetryPolicy
    batch_size: int = DEFAULT_BATCH_SIZE
    concurrency: int = 2
    """Batches in flight at once during a drain (each holds one database connection)."""


class Delivery:
    def __init__(
        self,
        engine: AsyncEngine,
        sender: Sender,
        config: DeliveryConfig,
        *,
        metrics: Metrics | None = None,
        clock: Clock = utc_now,
        rng: Rng = random.random,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._config = config
        self._metrics = metrics
        self._clock = clock
        self._rng = rng

    @property
    def config(self) -> DeliveryConfig:
        return self._config

    async def deliver_batch(
        self, *, limit: int, ids: Sequence[UUID] | None = None
    ) -> DeliveryStats:
        """Claim up to `limit` due rows (or exactly those `ids` that are still due) and send them."""
        async with self._engine.connect() as conn, conn.begin():
            claimed = await queries.claim_due(conn, now=self._clock(), limit=limit, ids=ids)
            if not claimed:
                return DeliveryStats()
            outcomes = await asyncio.gather(*(self._attempt(email) for email in claimed))
            await queries.record_outcomes(
                conn,
                [(e.id, o) for e, o in zip(claimed, outcomes, strict=True)],
                now=self._clock(),
            )
        return self._account(claimed, outcomes)

    async def drain(self, limit: int, *, concurrency: int | None = None) -> DeliveryStats:
        """Send up to `limit` due rows (alerts first, then oldest) until none are left due."""
        total = DeliveryStats()
        remaining = limit
        exhausted = False

        async def lane() -> None:
            nonlocal remaining, exhausted
            while remaining > 0 and not exhausted:
                take = min(self._config.batch_size, remaining)
                remaining -= take
                stats = await self.deliver_batch(limit=take)
                remaining += take - stats.processed
                total.add(stats)
                if stats.processed < take:
                    exhausted = True

        lanes = max(1, concurrency if concurrency is not None else self._config.concurrency)
        await asyncio.gather(*(lane() for _ in range(lanes)))
        return total

    async def _attempt(self, email: DueEmail) -> Outcome:
        reason = skip_reason(
            has_user=email.user_id is not None,
            user_exists=email.user_exists,
            notifications_enabled=email.notifications_enabled,
            deleted=email.user_deleted,
        )
        if reason is not None:
            return skipped(email.attempts, reason)
        now = self._clock()
        message = compose(email, sender=self._config.sender_address, now=now)
        started = time.perf_counter()
        failure = await self._sender.send(message)
        if self._metrics is not None:
            self._metrics.smtp_send_duration.observe(time.perf_counter() - started)
        if failure is None:
            return after_success(email.attempts, self._clock())
        logger.warning(
            "sending email %s (%s) failed: %s %s",
            email.id,
            email.kind,
            failure.code,
            failure.message,
        )
        return after_failure(
            email.attempts, failure, self._config.policy, now=self._clock(), rng=self._rng
        )

    def _account(self, claimed: Sequence[DueEmail], outcomes: Sequence[Outcome]) -> DeliveryStats:
        stats = DeliveryStats(processed=len(claimed))
        for email, outcome in zip(claimed, outcomes, strict=True):
            if outcome.status is EmailStatus.SENT:
                stats.sent += 1
                if self._metrics is not None:
                    self._metrics.emails_sent.labels(kind=email.kind).inc()
            elif outcome.status is EmailStatus.SKIPPED:
                stats.skipped += 1
            else:
                stats.failed += 1
                if self._metrics is not None and outcome.failure is not None:
                    self._metrics.email_send_failures.labels(reason=outcome.failure.value).inc()
        return stats
