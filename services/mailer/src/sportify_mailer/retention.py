"""Shell for the `retention` job (SPEC 4.8): start the run, apply each rule in batches,
complete or fail it, announce.

The mailer runs it because it owns `email_queue` and `email_suppressions`; the `job_runs`
and `audit_log` statements are their tables' own (`sportify_common.jobs.queries`,
`sportify_common.audit`). Every batch is one statement of at most `batch_rows` rows in its
own transaction, so no lock and no transaction lasts longer than one batch; a rule loops
until a batch comes back short. Batches skip locked rows, so a second retention run, a
weekly run or the senders beside it never wait and nothing is counted twice.

Rules, in the order they run (emails are deleted before bodies are cleared, so no body is
cleared on a row about to go):

| what | rows | setting (0: off) |
|---|---|---|
| `emails` | finished (sent, skipped, failed) `email_queue` rows created before the cutoff | RETENTION_EMAIL_DAYS |
| `email-bodies` | their bodies and headers, set to null | RETENTION_EMAIL_BODY_DAYS |
| `job-runs` | completed and failed runs claimed before the cutoff, but the latest completed one of each job | RETENTION_JOB_RUN_DAYS |
| `suppressions` | suppressions whose `expires_at` has passed | always |
| `audit` | `audit_log` entries recorded before the cutoff | RETENTION_AUDIT_DAYS |

While a weekly or monthly evaluation is running, retention yields: after each batch it pauses
`yield_factor` times as long as the batch took, so it takes at most a fifth of one core from
the evaluation (on two cores a full-speed retention slowed a weekly run by about 60%) and still
gets on with its work.

Pending and retrying rows are kept whatever their age: they are mail still owed, and an old
one is a problem an operator must see (the backlog alert), not history to tidy away.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common import audit
from sportify_common.alerts import raise_alert
from sportify_common.broker import publish
from sportify_common.consumers import dead_letter
from sportify_common.emails.alert import Alert
from sportify_common.job_results import FailedResult, JobError, JobResult, RetentionResult
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import ApplyRetention, JobFinished, RoutingKey
from sportify_common.service_context import ServiceContext
from sportify_common.settings import MailerSettings
from sportify_common.vocabulary import EVALUATED_BY_JOB
from sportify_mailer import queries

logger = logging.getLogger(__name__)

JOB = JobName.RETENTION
BATCH_ROWS: Final = 5000
"""SPEC 4.8: at most 5,000 rows per statement."""
YIELD_FACTOR: Final = 4.0
"""While an evaluation runs, pause this many times a batch's duration after it."""
_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
_EVALUATIONS: Final = tuple(EVALUATED_BY_JOB)
_CUSTOM_PLANS: Final = text("set local plan_cache_mode = force_custom_plan")

Figures = tuple[int, datetime | None]
"""A batch's rows, and the newest created_at among them (where the next batch starts)."""
Batch = Callable[[AsyncConnection, datetime, datetime, int], Awaitable[Figures]]
"""One batch: (connection, cutoff, after, limit) -> Figures."""


def retention_counter(registry: CollectorRegistry) -> Counter:
    """`sportify_retention_deleted_total{what}` (SPEC 8): rows removed or cleared, per rule."""
    return Counter(
        "sportify_retention_deleted",
        "Rows deleted (or email bodies cleared) by retention",
        ["what"],
        registry=registry,
    )


async def _emails(conn: AsyncConnection, cutoff: datetime, after: datetime, limit: int) -> Figures:
    return await queries.delete_finished_emails(conn, cutoff=cutoff, after=after, limit=limit)


async def _bodies(conn: AsyncConnection, cutoff: datetime, after: datetime, limit: int) -> Figures:
    return await queries.clear_bodies(conn, cutoff=cutoff, after=after, limit=limit)


async def _job_runs(
    conn: AsyncConnection, cutoff: datetime, after: datetime, limit: int
) -> Figures:
    return await jobs.delete_finished_before(conn, cutoff=cutoff, limit=limit), after


async def _suppressions(
    conn: AsyncConnection, cutoff: datetime, after: datetime, limit: int
) -> Figures:
    return await queries.delete_expired_suppressions(conn, now=cutoff, limit=limit), after


async def _audit(conn: AsyncConnection, cutoff: datetime, after: datetime, limit: int) -> Figures:
    return await audit.delete_older_than(conn, cutoff=cutoff, limit=limit), after


@dataclass(frozen=True, slots=True)
class Rule:
    what: str  # the metric's label
    batch: Batch
    days: Callable[[MailerSettings], int | None]  # None: always on (expiry is the row's own)


RULES: Final = (
    Rule("emails", _emails, lambda s: s.retention_email_days),
    Rule("email-bodies", _bodies, lambda s: s.retention_email_body_days),
    Rule("job-runs", _job_runs, lambda s: s.retention_job_run_days),
    Rule("suppressions", _suppressions, lambda s: None),
    Rule("audit", _audit, lambda s: s.retention_audit_days),
)


@dataclass(slots=True)
class RuleOutcome:
    rows: int = 0
    statements: int = 0
    seconds: float = 0.0
    longest_statement: float = 0.0
    paused: float = 0.0


@dataclass(slots=True)
class Outcome:
    rules: dict[str, RuleOutcome] = field(default_factory=dict)

    def rows(self, what: str) -> int:
        return self.rules[what].rows if what in self.rules else 0

    def result(self) -> RetentionResult:
        return RetentionResult(
            email_bodies_cleared=self.rows("email-bodies"),
            emails_deleted=self.rows("emails"),
            job_runs_deleted=self.rows("job-runs"),
            suppressions_deleted=self.rows("suppressions"),
            audit_deleted=self.rows("audit"),
        )

    def timings(self) -> dict[str, float]:
        """Per rule: seconds, statements and the longest statement (metadata.timings)."""
        figures: dict[str, float] = {}
        for what, rule in self.rules.items():
            figures[f"{what}.seconds"] = round(rule.seconds, 3)
            figures[f"{what}.statements"] = rule.statements
            figures[f"{what}.longestStatementSeconds"] = round(rule.longest_statement, 4)
            figures[f"{what}.pausedSeconds"] = round(rule.paused, 3)
        longest = max((r.longest_statement for r in self.rules.values()), default=0.0)
        figures["longestStatementSeconds"] = round(longest, 4)
        return figures


@dataclass(frozen=True, slots=True)
class RetentionJob:
    context: ServiceContext[MailerSettings]
    deleted: Counter
    batch_rows: int = BATCH_ROWS
    rules: tuple[Rule, ...] = RULES
    yield_factor: float = YIELD_FACTOR

    async def run(self, command: ApplyRetention) -> None:
        """Handle one `jobs.retention`. Raises RejectMessage (dead letter) for an unknown run."""
        context = self.context
        run_id = command.job_run_id
        async with context.engine.begin() as conn:
            existing = await jobs.get(conn, run_id)
            if existing is None:
                dead_letter(logger, f"unknown job run {run_id}")
            if existing.job_name is not JOB:
                dead_letter(logger, f"job run {run_id} is {existing.job_name}, not {JOB}")
            started = await jobs.start(conn, run_id, now=context.clock())
        if started is None:
            if existing.status is JobStatus.COMPLETED:  # a redelivery: answer again
                stored = existing.metadata.get("result")
                if isinstance(stored, dict):
                    await self._announce(
                        run_id, JobStatus.COMPLETED, RetentionResult.model_validate(stored)
                    )
            return

        began = time.perf_counter()
        try:
            outcome = await self.apply(run_id)
        except Exception as exc:
            logger.exception("retention run %s failed", run_id)
            await self._failed(run_id, started.scheduled_for, exc, began)
            return
        result = outcome.result()
        async with context.engine.begin() as conn:
            completed = await jobs.complete(
                conn,
                run_id,
                now=context.clock(),
                result=result.to_wire(),
                timings={
                    **outcome.timings(),
                    "totalSeconds": round(time.perf_counter() - began, 3),
                },
            )
        if completed is None:
            logger.warning("retention run %s was no longer running when it finished", run_id)
            return
        metrics = context.metrics
        metrics.job_runs.labels(job=JOB.value, status=JobStatus.COMPLETED.value).inc()
        metrics.job_duration.labels(job=JOB.value).observe(time.perf_counter() - began)
        metrics.job_last_success.labels(job=JOB.value).set(context.clock().timestamp())
        await self._announce(run_id, JobStatus.COMPLETED, result)

    async def apply(self, run_id: UUID | None = None) -> Outcome:
        """Every rule that is on, each in batches until one comes back short."""
        settings = self.context.settings
        now = self.context.clock()
        outcome = Outcome()
        start = _BEGINNING
        for rule in self.rules:
            days = rule.days(settings)
            if days == 0:
                logger.info("retention run %s: %s: off", run_id, rule.what)
                continue
            cutoff = now if days is None else now - timedelta(days=days)
            outcome.rules[rule.what] = figures = await self._apply_rule(rule, cutoff, start)
            # Every finished row before the email cutoff has just gone: the bodies start
            # there, instead of walking the index entries of the rows just deleted.
            start = cutoff if rule.what == "emails" else _BEGINNING
            logger.info(
                "retention run %s: %s: %d rows in %d statements, %.2f s "
                "(longest %.3f s, paused %.2f s for evaluations)",
                run_id,
                rule.what,
                figures.rows,
                figures.statements,
                figures.seconds,
                figures.longest_statement,
                figures.paused,
            )
        return outcome

    async def _apply_rule(self, rule: Rule, cutoff: datetime, start: datetime) -> RuleOutcome:
        figures = RuleOutcome()
        counter = self.deleted.labels(what=rule.what)
        after = start
        began = time.perf_counter()
        while True:
            statement_began = time.perf_counter()
            async with self.context.engine.begin() as conn:
                # A generic plan cannot see how many rows precede the cutoff: on statistics
                # of a small email_queue it chose a bitmap scan and a sort over every
                # candidate; a custom plan walks the index in order and stops at the limit.
                await conn.execute(_CUSTOM_PLANS)
                rows, last = await rule.batch(conn, cutoff, after, self.batch_rows)
            elapsed = time.perf_counter() - statement_began
            figures.statements += 1
            figures.rows += rows
            figures.longest_statement = max(figures.longest_statement, elapsed)
            counter.inc(rows)
            if rows < self.batch_rows:
                break
            after = last if last is not None else after
            figures.paused += await self._yield_to_evaluations(elapsed)
        figures.seconds = time.perf_counter() - began
        return figures

    async def _yield_to_evaluations(self, batch_seconds: float) -> float:
        """Pause after a batch while an evaluation is running; the seconds paused."""
        if self.yield_factor <= 0:
            return 0.0
        async with self.context.engine.connect() as conn:
            busy = await jobs.any_running(conn, job_names=_EVALUATIONS)
        if not busy:
            return 0.0
        pause = batch_seconds * self.yield_factor
        await asyncio.sleep(pause)
        return pause

    async def _failed(
        self, run_id: UUID, scheduled_for: datetime, exc: Exception, began: float
    ) -> None:
        context = self.context
        error_type, message = type(exc).__name__, str(exc) or repr(exc)
        async with context.engine.begin() as conn:  # database down: raise, the message returns
            await jobs.fail(
                conn, run_id, now=context.clock(), error_type=error_type, message=message
            )
        context.metrics.job_runs.labels(job=JOB.value, status=JobStatus.FAILED.value).inc()
        context.metrics.job_duration.labels(job=JOB.value).observe(time.perf_counter() - began)
        error = JobError(type=error_type, message=message[:2000])
        await self._announce(run_id, JobStatus.FAILED, FailedResult(job_run_id=run_id, error=error))
        try:
            alert = Alert(
                title=f"{JOB} failed for the run of {scheduled_for:%Y-%m-%d %H:%M} UTC",
                what_happened=f"The retention run {run_id} failed; nothing more was deleted.",
                error=f"{error_type}: {message}",
                job_run_id=run_id,
            )
            await raise_alert(context, alert, now=context.clock())
        except Exception:
            logger.exception("could not raise the alert for failed retention run %s", run_id)

    async def _announce(self, run_id: UUID, status: JobStatus, result: JobResult) -> None:
        await publish(
            self.context.broker,
            self.context.topology,
            RoutingKey.JOB_FINISHED,
            JobFinished(job_run_id=run_id, job_name=JOB, status=status, result=result),
        )
