"""One evaluation run, from `period.closed` to `job.finished` (SPEC 4.1, 4.2, 4.7, 7).

1. Look the run up; refuse (dead-letter) what we cannot know: unknown run, wrong job, bounds
   that are not a period in the configured zone.
2. Start it (a finished run is not evaluated again: a completed one re-announces its result).
3. Under JOB_TIMEOUT_SECONDS: compute and write every result in ONE transaction, commit, then
   request every summary email (with confirms), then mark the run completed.
4. A failure of the run itself marks it failed, alerts and announces it; a database or broker
   outage is left to the consumer's redelivery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator import monthly_queries, queries, weekly_queries
from sportify_aggregator.errors import is_connectivity_error
from sportify_aggregator.mailing import Mailer
from sportify_aggregator.records import Summary
from sportify_common.alerts import raise_alert
from sportify_common.broker import publish
from sportify_common.consumers import dead_letter
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import JobFinished, PeriodClosed, RoutingKey
from sportify_common.periods import (
    Period,
    PeriodError,
    PeriodKind,
    period_from_bounds,
    to_wire,
    wire_end,
)
from sportify_common.service_context import ServiceContext
from sportify_common.settings import AggregatorSettings

logger = logging.getLogger(__name__)

EMAIL_CHUNK = 2000

Compute = Callable[..., Awaitable[None]]
Batches = Callable[..., AsyncIterator[list[Summary]]]


Runtime = ServiceContext[AggregatorSettings]
"""The app-lifetime resources a run needs: the service context built in `app.create_app`."""


@dataclass(frozen=True, slots=True)
class Evaluator:
    kind: PeriodKind
    compute: Compute
    batches: Batches
    start_key: str
    end_key: str

    def default_challenge(self, settings: AggregatorSettings) -> float:
        if self.kind is PeriodKind.WEEKLY:
            return settings.default_weekly_point_challenge
        return settings.default_monthly_point_challenge


EVALUATORS: dict[JobName, Evaluator] = {
    JobName.WEEKLY_EVENTS: Evaluator(
        PeriodKind.WEEKLY,
        weekly_queries.compute,
        weekly_queries.summary_batches,
        "weekStart",
        "weekEnd",
    ),
    JobName.MONTHLY_EVENTS: Evaluator(
        PeriodKind.MONTHLY,
        monthly_queries.compute,
        monthly_queries.summary_batches,
        "monthStart",
        "monthEnd",
    ),
}


async def run_period(rt: Runtime, msg: PeriodClosed) -> None:
    """Handle one `period.closed`. Raises RejectMessage (dead letter) for what cannot be run."""
    evaluator = EVALUATORS.get(msg.job_name)
    if evaluator is None:
        dead_letter(logger, f"period.closed for job {msg.job_name}, which is not an evaluation")
    async with rt.engine.connect() as conn:
        row = await jobs.get(conn, msg.job_run_id)
    if row is None:
        dead_letter(logger, f"unknown jobRunId {msg.job_run_id}")
    if row.job_name is not msg.job_name:
        dead_letter(
            logger, f"jobRunId {msg.job_run_id} is a {row.job_name} run, not {msg.job_name}"
        )
    try:
        period = period_from_bounds(
            evaluator.kind, msg.period_start, msg.period_end, rt.settings.zone
        )
    except PeriodError as exc:
        dead_letter(logger, str(exc))

    async with rt.engine.begin() as conn:
        started = await jobs.start(conn, msg.job_run_id, now=rt.clock())
        if started is None:
            row = await jobs.get(conn, msg.job_run_id)
    if started is None:
        await _already_finished(rt, msg, row)
        return

    logger.info(
        "%s run %s for %s (attempt %s)",
        msg.job_name,
        msg.job_run_id,
        period.label,
        started.metadata.get("attempt"),
    )
    await _run_guarded(rt, evaluator, period, msg)


async def _already_finished(rt: Runtime, msg: PeriodClosed, row: jobs.JobRunRow | None) -> None:
    if row is not None and row.status is JobStatus.COMPLETED:
        logger.info("run %s already completed: announcing its result again", msg.job_run_id)
        await _finished(rt, msg, JobStatus.COMPLETED, dict(row.metadata.get("result") or {}))
    else:
        logger.info(
            "run %s already finished (%s): nothing to do", msg.job_run_id, row and row.status
        )


async def _run_guarded(
    rt: Runtime, evaluator: Evaluator, period: Period, msg: PeriodClosed
) -> None:
    job = msg.job_name.value
    began = time.monotonic()
    timings: dict[str, float] = {}
    try:
        async with asyncio.timeout(rt.settings.job_timeout_seconds):
            result = await evaluate(rt, evaluator, period, msg.job_run_id, timings=timings)
    except TimeoutError:
        message = f"{job} for {period.label} exceeded JOB_TIMEOUT_SECONDS ({rt.settings.job_timeout_seconds:g} s)"
        await _failed(rt, msg, period, "timeout", message, began)
        return
    except Exception as exc:
        if is_connectivity_error(exc):
            raise
        logger.exception("%s run %s failed", job, msg.job_run_id)
        await _failed(rt, msg, period, type(exc).__name__, str(exc) or repr(exc), began)
        return

    timings["totalSeconds"] = round(time.monotonic() - began, 3)
    async with rt.engine.begin() as conn:
        completed = await jobs.complete(conn, msg.job_run_id, now=rt.clock(), result=result)
        if completed is not None:
            await queries.record_timings(conn, msg.job_run_id, timings)
    if completed is None:
        logger.warning("run %s was finished by someone else while it ran", msg.job_run_id)
    rt.metrics.job_runs.labels(job=job, status="completed").inc()
    rt.metrics.job_duration.labels(job=job).observe(time.monotonic() - began)
    rt.metrics.job_last_success.labels(job=job).set(rt.clock().timestamp())
    rt.metrics.processed_users.labels(job=job).inc(int(result["processedUsers"]))
    await _finished(rt, msg, JobStatus.COMPLETED, result)


async def evaluate(
    rt: Runtime,
    evaluator: Evaluator,
    period: Period,
    run_id: UUID,
    *,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Write the period's results (one transaction), request the emails, return the result.

    `timings` (when given) receives `resultsSeconds` (results computed and committed) and
    `emailsSeconds` (every summary requested); they go to the run's metadata, not its result.
    """
    timings = timings if timings is not None else {}
    now = rt.clock()
    began = time.monotonic()
    async with rt.engine.begin() as conn:
        processed = await _compute(conn, rt.settings, evaluator, period, run_id, now)
    committed = time.monotonic()
    timings["resultsSeconds"] = round(committed - began, 3)
    mailer = Mailer(rt.engine, rt.broker, rt.topology, rt.settings)
    tally = await mailer.request_all(
        period, evaluator.batches(rt.engine, period, size=EMAIL_CHUNK), now=now
    )
    timings["emailsSeconds"] = round(time.monotonic() - committed, 3)
    return {
        "status": "ok",
        "skipped": False,
        "jobRunId": str(run_id),
        "processedUsers": processed,
        evaluator.start_key: to_wire(period.start),
        evaluator.end_key: wire_end(period),
        "emailSummary": tally.summary(),
        "emailResults": tally.results,
    }


async def _compute(
    conn: AsyncConnection,
    settings: AggregatorSettings,
    evaluator: Evaluator,
    period: Period,
    run_id: UUID,
    now: datetime,
) -> int:
    processed = await queries.prepare(conn, period)
    challenge: Decimal = await queries.challenge_target(
        conn,
        kind=period.kind.value,
        first_day=period.first_day,
        default=evaluator.default_challenge(settings),
    )
    await evaluator.compute(conn, period=period, challenge=challenge, run_id=run_id, now=now)
    await queries.write_badges_and_awards(conn, period=period, run_id=run_id, now=now)
    return processed


async def _failed(
    rt: Runtime,
    msg: PeriodClosed,
    period: Period,
    error_type: str,
    message: str,
    began: float,
) -> None:
    job = msg.job_name.value
    async with rt.engine.begin() as conn:
        await jobs.fail(
            conn, msg.job_run_id, now=rt.clock(), error_type=error_type, message=message
        )
    rt.metrics.job_runs.labels(job=job, status="failed").inc()
    rt.metrics.job_duration.labels(job=job).observe(time.monotonic() - began)
    error = {"type": error_type, "message": message[:2000]}
    await _finished(
        rt,
        msg,
        JobStatus.FAILED,
        {"status": "error", "jobRunId": str(msg.job_run_id), "error": error},
    )
    try:
        await raise_alert(
            rt,
            title=f"{job} failed",
            body=f"Run {msg.job_run_id} for {period.label} failed: {error_type}: {message}",
            now=rt.clock(),
        )
    except Exception:
        logger.exception("could not raise the alert for failed run %s", msg.job_run_id)


async def _finished(
    rt: Runtime, msg: PeriodClosed, status: JobStatus, result: dict[str, Any]
) -> None:
    await publish(
        rt.broker,
        rt.topology,
        RoutingKey.JOB_FINISHED,
        JobFinished(job_run_id=msg.job_run_id, job_name=msg.job_name, status=status, result=result),
    )
