"""Cleanup of stuck runs (SPEC 4.5), recorded in job_runs as job `cleanup`.

Two ways in: an HTTP trigger claims and starts its own run (`cleanup_now`); the scheduled
`jobs.cleanup` command names a run the scheduler already claimed (`cleanup_claimed`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sportify_common.alerts import raise_alert
from sportify_common.broker import publish
from sportify_common.job_results import CleanedJob, CleanupResult
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.jobs.records import JobRunRow
from sportify_common.messages import JobFinished, RoutingKey
from sportify_common.periods import to_wire
from sportify_monitor.alerts import stuck_jobs_alert, stuck_reason
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError

logger = logging.getLogger("sportify.monitor.cleanup")


@dataclass(frozen=True, slots=True)
class CleanupOutcome:
    run_id: UUID
    cleaned: list[JobRunRow]


def result_of(cleaned: list[JobRunRow]) -> CleanupResult:
    return CleanupResult(
        cleaned=len(cleaned),
        jobs=[
            CleanedJob(
                id=str(job.id),
                job_name=job.job_name,
                scheduled_for=to_wire(job.scheduled_for),
                started_at=to_wire(job.started_at) if job.started_at else None,
            )
            for job in cleaned
        ],
    )


async def cleanup_now(monitor: Monitor, *, trigger: Trigger) -> CleanupOutcome:
    """Claim a `cleanup` run for this instant, start it, clean. The HTTP trigger's path."""
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        claim = await jobs.claim(
            conn,
            job_name=JobName.CLEANUP,
            scheduled_for=now,
            trigger=trigger,
            force=False,
            now=now,
        )
        if not claim.should_publish:
            raise ApiError(409, "conflict", "A cleanup for this instant is already under way.")
        run = await jobs.start(conn, claim.run.id, now=now)
    if run is None:  # pragma: no cover - claimed and started in one transaction
        raise RuntimeError("the cleanup run vanished after its claim")
    return await _clean(monitor, run.id)


async def cleanup_claimed(monitor: Monitor, run_id: UUID) -> CleanupOutcome | JobStatus | None:
    """Run the scheduled cleanup `run_id`.

    Returns the outcome; the run's status when it was already finished (a redelivery:
    nothing to do); None when no such run exists.
    """
    async with monitor.engine.begin() as conn:
        run = await jobs.start(conn, run_id, now=monitor.clock())
        if run is None:
            existing = await jobs.get(conn, run_id)
            return existing.status if existing is not None else None
    if run.job_name is not JobName.CLEANUP:
        raise ValueError(f"job run {run_id} is a {run.job_name} run, not a cleanup")
    return await _clean(monitor, run.id)


async def _clean(monitor: Monitor, run_id: UUID) -> CleanupOutcome:
    started = time.perf_counter()
    settings = monitor.settings
    now = monitor.clock()
    reason = stuck_reason(settings.stuck_job_threshold_minutes)
    try:
        async with monitor.engine.begin() as conn:
            cleaned = await jobs.fail_stuck(
                conn,
                cutoff=now - timedelta(minutes=settings.stuck_job_threshold_minutes),
                now=now,
                reason=reason,
                exclude=run_id,
            )
            # The run's metadata stores the result without its status, as it always has.
            stored = result_of(cleaned).model_dump(mode="json", by_alias=True, exclude={"status"})
            await jobs.complete(conn, run_id, now=now, result=stored)
    except Exception as exc:
        await _mark_failed(monitor, run_id, exc)
        raise
    _count(monitor, cleaned, seconds=time.perf_counter() - started)
    await _announce(monitor, run_id, cleaned)
    return CleanupOutcome(run_id, cleaned)


def _count(monitor: Monitor, cleaned: list[JobRunRow], *, seconds: float) -> None:
    metrics = monitor.metrics
    job = JobName.CLEANUP.value
    metrics.job_runs.labels(job=job, status=JobStatus.COMPLETED.value).inc()
    metrics.job_duration.labels(job=job).observe(seconds)
    metrics.job_last_success.labels(job=job).set(monitor.clock().timestamp())
    for stuck in cleaned:  # a stuck run ends here: count it as failed
        metrics.job_runs.labels(job=stuck.job_name, status=JobStatus.FAILED.value).inc()


async def _mark_failed(monitor: Monitor, run_id: UUID, exc: Exception) -> None:
    try:
        async with monitor.engine.begin() as conn:
            await jobs.fail(
                conn,
                run_id,
                now=monitor.clock(),
                error_type=type(exc).__name__,
                message="the cleanup failed; see the monitor's log",
            )
        monitor.metrics.job_runs.labels(
            job=JobName.CLEANUP.value, status=JobStatus.FAILED.value
        ).inc()
    except Exception:
        logger.exception("could not mark cleanup run %s failed", run_id)


async def _announce(monitor: Monitor, run_id: UUID, cleaned: list[JobRunRow]) -> None:
    """The alert (when anything was cleaned) and job.finished. Best effort: the work is done."""
    settings = monitor.settings
    if cleaned:
        now = monitor.clock()
        alert = stuck_jobs_alert(
            cleaned,
            threshold_minutes=settings.stuck_job_threshold_minutes,
            now=now,
            zone=settings.zone,
            base_url=settings.monitor_base_url,
            cleanup_run_id=run_id,
        )
        try:
            await raise_alert(monitor, alert, now=now)
        except Exception:
            logger.exception("cleanup run %s: could not raise the stuck-jobs alert", run_id)
    finished = JobFinished(
        job_run_id=run_id,
        job_name=JobName.CLEANUP,
        status=JobStatus.COMPLETED,
        result=result_of(cleaned),
    )
    try:
        await publish(monitor.broker, monitor.topology, RoutingKey.JOB_FINISHED, finished)
    except Exception:
        logger.exception("cleanup run %s: could not publish job.finished", run_id)
