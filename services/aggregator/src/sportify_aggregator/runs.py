"""One evaluation run, from `period.closed` to `job.finished` (SPEC 4.1, 4.2, 4.7, 7).

1. Look the run up; refuse (dead-letter) what we cannot know: unknown run, wrong job, bounds
   that are not a period in the configured zone.
2. Start it (a finished run is not evaluated again: a completed one re-announces its result).
3. Under JOB_TIMEOUT_SECONDS: `evaluation.evaluate` (results in one transaction, then every
   summary requested), then mark the run completed with its result and phase timings.
4. A failure of the run itself marks it failed, alerts and announces it; a database or broker
   outage is left to the consumer's redelivery.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sportify_aggregator.errors import is_connectivity_error, is_query_cancelled
from sportify_aggregator.evaluation import (
    EVALUATORS,
    Evaluator,
    RunCancelledError,
    Runtime,
    evaluate,
)
from sportify_common.alerts import raise_alert
from sportify_common.broker import publish
from sportify_common.consumers import dead_letter
from sportify_common.emails.alert import Alert, period_phrase
from sportify_common.job_results import FailedResult, JobError, JobResult, stored_result
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobStatus
from sportify_common.messages import JobFinished, PeriodClosed, RoutingKey
from sportify_common.periods import Period, PeriodError, period_from_bounds
from sportify_common.vocabulary import EVALUATED_BY_JOB

logger = logging.getLogger(__name__)


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
            evaluator.period.kind, msg.period_start, msg.period_end, rt.settings.zone
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

    if started.metadata.get("cancelRequested"):  # cancelled while no aggregator ran it
        await _failed(
            rt, msg, period, CANCELLED, _cancel_message(started), time.monotonic(), alert=False
        )
        return
    logger.info(
        "%s run %s for %s (attempt %s)",
        msg.job_name,
        msg.job_run_id,
        period.label,
        started.metadata.get("attempt"),
    )
    # A backfill's run without summaries carries `sendEmails: false` (SPEC 12.2).
    send_emails = started.metadata.get("sendEmails") is not False
    await _run_guarded(rt, evaluator, period, msg, send_emails=send_emails)


async def _already_finished(rt: Runtime, msg: PeriodClosed, row: jobs.JobRunRow | None) -> None:
    if row is not None and row.status is JobStatus.COMPLETED:
        logger.info("run %s already completed: announcing its result again", msg.job_run_id)
        await _finished(rt, msg, JobStatus.COMPLETED, stored_result(row.metadata.get("result")))
    else:
        logger.info(
            "run %s already finished (%s): nothing to do", msg.job_run_id, row and row.status
        )


async def _run_guarded(
    rt: Runtime, evaluator: Evaluator, period: Period, msg: PeriodClosed, *, send_emails: bool
) -> None:
    job = msg.job_name.value
    began = time.monotonic()
    timings: dict[str, float] = {}
    try:
        async with asyncio.timeout(rt.settings.job_timeout_seconds):
            result = await evaluate(
                rt, evaluator, period, msg.job_run_id, timings=timings, send_emails=send_emails
            )
    except RunCancelledError:
        await _cancelled(rt, msg, period, began)
        return
    except TimeoutError:
        message = f"{job} for {period.label} exceeded JOB_TIMEOUT_SECONDS ({rt.settings.job_timeout_seconds:g} s)"
        await _failed(rt, msg, period, "timeout", message, began)
        return
    except Exception as exc:
        if is_connectivity_error(exc):
            raise
        if is_query_cancelled(exc) and await _cancel_requested(rt, msg):
            await _cancelled(rt, msg, period, began)
            return
        logger.exception("%s run %s failed", job, msg.job_run_id)
        await _failed(rt, msg, period, type(exc).__name__, str(exc) or repr(exc), began)
        return

    timings["totalSeconds"] = round(time.monotonic() - began, 3)
    async with rt.engine.begin() as conn:
        completed = await jobs.complete(
            conn, msg.job_run_id, now=rt.clock(), result=result.to_wire(), timings=timings
        )
    if completed is None:
        logger.warning("run %s was finished by someone else while it ran", msg.job_run_id)
    rt.metrics.job_runs.labels(job=job, status=JobStatus.COMPLETED.value).inc()
    rt.metrics.job_duration.labels(job=job).observe(time.monotonic() - began)
    rt.metrics.job_last_success.labels(job=job).set(rt.clock().timestamp())
    rt.metrics.processed_users.labels(job=job).inc(result.processed_users)
    await _finished(rt, msg, JobStatus.COMPLETED, result)


async def _failed(
    rt: Runtime,
    msg: PeriodClosed,
    period: Period,
    error_type: str,
    message: str,
    began: float,
    *,
    alert: bool = True,
) -> None:
    job = msg.job_name.value
    async with rt.engine.begin() as conn:
        await jobs.fail(
            conn, msg.job_run_id, now=rt.clock(), error_type=error_type, message=message
        )
    rt.metrics.job_runs.labels(job=job, status=JobStatus.FAILED.value).inc()
    rt.metrics.job_duration.labels(job=job).observe(time.monotonic() - began)
    error = JobError(type=error_type, message=message[:2000])
    await _finished(rt, msg, JobStatus.FAILED, FailedResult(job_run_id=msg.job_run_id, error=error))
    if not alert:
        return
    try:
        await raise_alert(rt, _failure_alert(msg, period, error_type, message), now=rt.clock())
    except Exception:
        logger.exception("could not raise the alert for failed run %s", msg.job_run_id)


def _failure_alert(msg: PeriodClosed, period: Period, error_type: str, message: str) -> Alert:
    """The title names the job and its period: another period's failure is another alert."""
    job = msg.job_name.value
    phrase = period_phrase(period)
    if error_type == "timeout":
        what = f"The {job} run for {phrase} ran longer than JOB_TIMEOUT_SECONDS and was stopped."
    else:
        what = f"The {job} run for {phrase} failed."
    param = EVALUATED_BY_JOB[msg.job_name].query_param
    return Alert(
        title=f"{job} failed for {phrase}",
        what_happened=(
            f"{what} The run is marked failed. Its results are written in one transaction, so "
            "a failure before that commit leaves the period as it was; summaries requested "
            "before a later failure stay requested (a re-run never doubles them)."
        ),
        error=f"{error_type}: {message}",
        severity="critical",
        job_run_id=msg.job_run_id,
        hints=(
            f"run it again once the cause is fixed: POST /api/events/{period.kind.value}"
            f"?{param}={period.label} (a failed run is simply run again)",
        ),
    )


# --- cancel (SPEC 12.5) ------------------------------------------------------------------
# The monitor marks the run (`metadata.cancelRequested`) and cancels the statement in progress
# of its results transaction. Either way the transaction rolls back (nothing of the period is
# written); the run fails with error.type `cancelled` and no alert.

CANCELLED = "cancelled"


async def _cancel_requested(rt: Runtime, msg: PeriodClosed) -> bool:
    async with rt.engine.connect() as conn:
        return await jobs.cancel_requested(conn, msg.job_run_id)


def _cancel_message(row: jobs.JobRunRow | None) -> str:
    request = row.metadata.get("cancelRequested") if row is not None else None
    if not isinstance(request, dict):
        return "cancelled by an operator"
    message = f"cancelled by {request.get('actor') or 'an operator'}"
    return f"{message}: {request['reason']}" if request.get("reason") else message


async def _cancelled(rt: Runtime, msg: PeriodClosed, period: Period, began: float) -> None:
    async with rt.engine.connect() as conn:
        row = await jobs.get(conn, msg.job_run_id)
    logger.info("%s run %s for %s cancelled", msg.job_name.value, msg.job_run_id, period.label)
    await _failed(rt, msg, period, CANCELLED, _cancel_message(row), began, alert=False)


async def _finished(rt: Runtime, msg: PeriodClosed, status: JobStatus, result: JobResult) -> None:
    await publish(
        rt.broker,
        rt.topology,
        RoutingKey.JOB_FINISHED,
        JobFinished(job_run_id=msg.job_run_id, job_name=msg.job_name, status=status, result=result),
    )
