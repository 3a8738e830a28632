"""Shell: claim due emails, send them, record each outcome — one transaction per batch.

The claimed rows stay locked (FOR UPDATE SKIP LOCKED) until the outcomes are written and
committed, so two dispatchers (tasks, processes or replicas) never send the same row twice.
A batch's emails go out concurrently over the SMTP pool.

The SMTP circuit (`breaker.py`) gates it all: while it is open nothing is claimed; a server
failure opens it, and the rows of the batch that had no outcome (the failed one, those not
yet sent) are not written at all: the commit releases them exactly as they were. A claimed
row whose recipient is suppressed is skipped without a send (not an alert); a bounce that says
the mailbox does not exist puts the recipient on the list, in the same transaction.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock, utc_now
from sportify_common.metrics import Metrics
from sportify_common.tracing import tracer
from sportify_common.vocabulary import EmailKind, EmailStatus
from sportify_mailer import queries
from sportify_mailer.breaker import SmtpBreaker
from sportify_mailer.circuit import ProbePolicy
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
from sportify_mailer.smtp import NOT_ATTEMPTED, Sender

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    sender_address: str
    policy: RetryPolicy
    batch_size: int = DEFAULT_BATCH_SIZE
    concurrency: int = 2
    """Batches in flight at once during a drain (each holds one database connection)."""
    probe: ProbePolicy = field(default_factory=ProbePolicy)
    suppression_days: int = 30


@dataclass(slots=True)
class DueWalk:
    """How far a drain has walked the non-alert due rows (ix_email_queue_due's order).

    Each claim starts after the furthest row any claim of the walk took, so a drain through a
    large backlog never steps again over the rows it (or anyone) already sent. A row skipped
    because another dispatcher held it, and given back untouched, lies behind the walk: the
    next walk (the drain loop's next round, the next dispatch run) starts from the beginning.
    """

    after: queries.WalkKey = queries.WALK_START

    def advance(self, claimed: Sequence[DueEmail]) -> None:
        keys = [k for k in map(queries.walk_key, claimed) if k is not None]
        if keys:
            self.after = max(self.after, *keys)


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
        breaker: SmtpBreaker | None = None,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._config = config
        self._metrics = metrics
        self._clock = clock
        self._rng = rng
        self._breaker = breaker or SmtpBreaker(
            sender.probe, policy=config.probe, clock=clock, discard_idle=sender.discard_idle
        )

    @property
    def breaker(self) -> SmtpBreaker:
        return self._breaker

    @property
    def config(self) -> DeliveryConfig:
        return self._config

    async def deliver_batch(
        self,
        *,
        limit: int,
        ids: Sequence[UUID] | None = None,
        origins: Mapping[UUID, Context | None] | None = None,
        walk: DueWalk | None = None,
    ) -> DeliveryStats:
        """Claim up to `limit` due rows (or exactly those `ids` that are still due) and send them.

        Without `ids` the claim continues `walk` (and advances it); without a walk it starts
        from the beginning. Each send is a span `smtp send`, a child of its email's `origins`
        entry (the trace that requested it) or else of the current span. While the circuit is
        open nothing is claimed; `processed` counts the rows that got an outcome (a row given
        back untouched is not processed)."""
        if self._breaker.is_open:
            return DeliveryStats()
        walk = walk if walk is not None else DueWalk()
        async with self._engine.connect() as conn, conn.begin():
            claimed = await queries.claim_due(
                conn, now=self._clock(), limit=limit, ids=ids, after=walk.after
            )
            if not claimed:
                return DeliveryStats()
            if ids is None:
                walk.advance(claimed)
            origins = origins or {}
            results = await asyncio.gather(
                *(self._traced_attempt(email, origins.get(email.id)) for email in claimed)
            )
            done = [(e, o) for e, o in zip(claimed, results, strict=True) if o is not None]
            now = self._clock()
            await queries.record_outcomes(conn, [(e.id, o) for e, o in done], now=now)
            await queries.suppress_bounces(
                conn,
                [(e.recipient, e.id, o.error or "") for e, o in done if o.suppress],
                now=now,
                expires_at=now + timedelta(days=self._config.suppression_days),
            )
        return self._account(done)

    async def drain(
        self, limit: int, *, concurrency: int | None = None, walk: DueWalk | None = None
    ) -> DeliveryStats:
        """Send up to `limit` due rows (alerts first, then oldest) until none are left due.

        The lanes share one walk: `walk` to go on from an earlier drain, else a new one."""
        walk = walk if walk is not None else DueWalk()
        total = DeliveryStats()
        remaining = limit
        exhausted = False

        async def lane() -> None:
            nonlocal remaining, exhausted
            while remaining > 0 and not exhausted:
                take = min(self._config.batch_size, remaining)
                remaining -= take
                stats = await self.deliver_batch(limit=take, walk=walk)
                remaining += take - stats.processed
                total.add(stats)
                if stats.processed < take:
                    exhausted = True

        lanes = max(1, concurrency if concurrency is not None else self._config.concurrency)
        await asyncio.gather(*(lane() for _ in range(lanes)))
        return total

    async def _traced_attempt(self, email: DueEmail, origin: Context | None) -> Outcome | None:
        with tracer.start_as_current_span(
            "smtp send",
            context=origin,
            kind=SpanKind.CLIENT,
            attributes={"sportify.email_id": str(email.id), "sportify.email_kind": email.kind},
        ) as span:
            outcome = await self._attempt(email)
            status = outcome.status.value if outcome is not None else "untouched"
            span.set_attribute("sportify.email_status", status)
            return outcome

    async def _attempt(self, email: DueEmail) -> Outcome | None:
        """The row's outcome, or None: a server failure (or an open circuit), row untouched."""
        reason = skip_reason(
            has_user=email.user_id is not None,
            user_exists=email.user_exists,
            notifications_enabled=email.notifications_enabled,
            deleted=email.user_deleted,
            suppressed=email.suppressed,
            is_alert=email.kind == EmailKind.ALERT,
            kind_opted_out=email.kind_opted_out,
        )
        if reason is not None:
            return skipped(email.attempts, reason)
        if self._breaker.is_open:
            return None
        now = self._clock()
        message = compose(email, sender=self._config.sender_address, now=now)
        started = time.perf_counter()
        failure = await self._sender.send(message, go=self._breaker.is_closed)
        if failure is NOT_ATTEMPTED:
            return None
        if self._metrics is not None:
            self._metrics.smtp_send_duration.observe(time.perf_counter() - started)
        if failure is None:
            return after_success(email.attempts, self._clock())
        if failure.is_server_failure:
            logger.warning(
                "sending email %s: the SMTP server failed (%s: %s); the row stays as it was",
                email.id,
                failure.stage.value,
                failure.describe(),
            )
            self._breaker.trip(failure)
            return None
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

    def _account(self, done: Sequence[tuple[DueEmail, Outcome]]) -> DeliveryStats:
        stats = DeliveryStats(processed=len(done))
        for email, outcome in done:
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
