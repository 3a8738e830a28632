"""HTTP triggers (SPEC 5, 4.7): claim the run, publish its command, wait for job.finished.

Answers:
- finished and completed → 200 with job.finished's typed `result` (schemas.FinishedRun);
- finished and failed → 200 `{"status": "failed", "skipped": false, "jobRunId", "error"}`
  (the request itself succeeded; the run did not — the spec has no 5xx for this);
- skipped (completed or running run) → 200 `{"status": "ok", "skipped": true, "reason", ...}`;
- force on a running run → 409;
- not finished within EVENTS_TRIGGER_WAIT_SECONDS → 202 with `statusUrl`;
- the command could not be published → the run is marked failed, 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from opentelemetry.trace import Span

from sportify_common.broker import publish
from sportify_common.job_results import FailedResult, JobResult, stored_result
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.jobs.rules import ClaimOutcome
from sportify_common.messages import (
    ApplyRetention,
    DispatchEmails,
    JobFinished,
    PeriodClosed,
    RoutingKey,
    WireModel,
)
from sportify_common.periods import (
    Period,
    PeriodError,
    PeriodKind,
    latest_closed,
    parse_month,
    parse_week_start,
    to_wire,
    wire_end,
)
from sportify_common.tracing import tracer
from sportify_common.vocabulary import EVALUATED_PERIODS
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.schemas import FinishedRun

logger = logging.getLogger("sportify.monitor.triggers")


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: dict[str, Any]


def status_url(run_id: UUID) -> str:
    return f"/api/admin/jobs/{run_id}"


def period_fields(period: Period) -> dict[str, str]:
    keys = EVALUATED_PERIODS[period.kind]
    return {keys.start_key: to_wire(period.start), keys.end_key: wire_end(period)}


def target_period(monitor: Monitor, kind: PeriodKind, explicit: str | None) -> Period:
    now = monitor.clock()
    zone = monitor.settings.zone
    if explicit is None:
        return latest_closed(kind, now, zone)
    name = EVALUATED_PERIODS[kind].query_param
    if not explicit.isascii():  # `\d` and int() take other scripts' digits
        raise bad_request(f"{name} must use the digits 0-9, got {explicit[:40]!r}")
    try:
        if kind is PeriodKind.WEEKLY:
            return parse_week_start(explicit, zone, now, name=name)
        return parse_month(explicit, zone, now, name=name)
    except PeriodError as exc:
        raise bad_request(str(exc)) from exc
    except (ValueError, OverflowError) as exc:  # e.g. 9999-12: its end is past year 9999
        raise bad_request(f"{name} {explicit!r} is outside the supported range") from exc


async def trigger_period(
    monitor: Monitor, kind: PeriodKind, *, force: bool, explicit: str | None
) -> Answer:
    period = target_period(monitor, kind, explicit)
    job_name = EVALUATED_PERIODS[kind].job
    extras = period_fields(period)

    def command(run_id: UUID) -> WireModel:
        return PeriodClosed(
            job_run_id=run_id,
            job_name=job_name,
            period_start=period.start,
            period_end=period.end,
            force=force,
        )

    return await _run(
        monitor,
        job_name=job_name,
        scheduled_for=period.end,
        force=force,
        key=RoutingKey.PERIOD_CLOSED,
        command=command,
        extras=extras,
    )


async def trigger_dispatch(monitor: Monitor, *, limit: int) -> Answer:
    def command(run_id: UUID) -> WireModel:
        return DispatchEmails(job_run_id=run_id, limit=limit)

    return await _run(
        monitor,
        job_name=JobName.EMAILS_DISPATCH,
        scheduled_for=monitor.clock(),
        force=False,
        key=RoutingKey.EMAILS_DISPATCH,
        command=command,
        extras={},
    )


async def trigger_retention(monitor: Monitor) -> Answer:
    """A `retention` run for this instant (SPEC 4.8), applied by the mailer."""

    def command(run_id: UUID) -> WireModel:
        return ApplyRetention(job_run_id=run_id)

    return await _run(
        monitor,
        job_name=JobName.RETENTION,
        scheduled_for=monitor.clock(),
        force=False,
        key=RoutingKey.JOBS_RETENTION,
        command=command,
        extras={},
    )


async def _run(
    monitor: Monitor,
    *,
    job_name: JobName,
    scheduled_for: datetime,
    force: bool,
    key: RoutingKey,
    command: Callable[[UUID], WireModel],
    extras: dict[str, str],
) -> Answer:
    """The run's span (SPEC 14), under FastAPI's own `POST /api/events/...` server span: the
    claim, the publish and the wait for job.finished are inside it."""
    with tracer.start_as_current_span(
        f"trigger {job_name}",
        attributes={"sportify.job": job_name.value, "sportify.trigger": Trigger.HTTP.value},
    ) as span:
        return await _claim_and_publish(
            monitor,
            job_name=job_name,
            scheduled_for=scheduled_for,
            force=force,
            key=key,
            command=command,
            extras=extras,
            span=span,
        )


async def _claim_and_publish(
    monitor: Monitor,
    *,
    job_name: JobName,
    scheduled_for: datetime,
    force: bool,
    key: RoutingKey,
    command: Callable[[UUID], WireModel],
    extras: dict[str, str],
    span: Span,
) -> Answer:
    now = monitor.clock()
    with tracer.start_as_current_span(f"claim {job_name}"):
        async with monitor.engine.begin() as conn:
            claim = await jobs.claim(
                conn,
                job_name=job_name,
                scheduled_for=scheduled_for,
                trigger=Trigger.HTTP,
                force=force,
                now=now,
            )
    run_id = claim.run.id
    span.set_attributes({"sportify.job_run_id": str(run_id), "sportify.claim": claim.outcome.value})
    if claim.outcome is ClaimOutcome.CONFLICT:
        raise ApiError(
            409,
            "conflict",
            f"The {job_name} run {run_id} is still running; force cannot restart a running run.",
        )
    if not claim.should_publish:
        return Answer(
            200,
            {
                "status": "ok",
                "skipped": True,
                "reason": claim.outcome.value,
                "jobRunId": str(run_id),
                **extras,
            },
        )

    future = monitor.waiters.register(run_id)
    try:
        await publish(monitor.broker, monitor.topology, key, command(run_id))
    except Exception as exc:
        monitor.waiters.discard(run_id, future)
        await _publish_failed(monitor, run_id, job_name, exc)
        raise ApiError(
            503,
            "broker-unavailable",
            f"The {job_name} command could not be published; run {run_id} was marked failed.",
        ) from exc

    finished = await monitor.waiters.wait(
        run_id, future, monitor.settings.events_trigger_wait_seconds
    )
    if finished is not None:
        return _finished_answer(finished, extras, await _stored_error(monitor, finished))
    return await _after_timeout(monitor, run_id, extras)


async def _stored_error(monitor: Monitor, finished: JobFinished) -> dict[str, Any] | None:
    if finished.status is not JobStatus.FAILED:
        return None
    if isinstance(finished.result, FailedResult):
        return finished.result.error.to_wire()
    async with monitor.engine.connect() as conn:
        run = await jobs.get(conn, finished.job_run_id)
    stored = run.metadata.get("error") if run is not None else None
    return stored if isinstance(stored, dict) else None


def _failed_body(
    run_id: UUID, error: dict[str, Any] | None, extras: dict[str, str]
) -> dict[str, Any]:
    return {
        "status": "failed",
        "skipped": False,
        "jobRunId": str(run_id),
        **extras,
        "error": error or {"type": "unknown", "message": "the run failed"},
    }


def _finished_answer(
    finished: JobFinished, extras: dict[str, str], error: dict[str, Any] | None
) -> Answer:
    if finished.status is JobStatus.FAILED:
        return Answer(200, _failed_body(finished.job_run_id, error, extras))
    return _completed(finished.result)


def _completed(result: FinishedRun | JobResult) -> Answer:
    """200 with the run's result, as its job reported it (a `FinishedRun` for the triggers)."""
    return Answer(200, result.to_wire())


async def _after_timeout(monitor: Monitor, run_id: UUID, extras: dict[str, str]) -> Answer:
    """The safety net: the run may have finished while its job.finished was lost."""
    async with monitor.engine.connect() as conn:
        run = await jobs.get(conn, run_id)
    if run is not None and run.status is JobStatus.COMPLETED:
        result = run.metadata.get("result")
        if isinstance(result, dict):
            return _completed(stored_result(result))
    if run is not None and run.status is JobStatus.FAILED:
        error = run.metadata.get("error")
        return Answer(200, _failed_body(run_id, error if isinstance(error, dict) else None, extras))
    return Answer(
        202, {"status": "accepted", "jobRunId": str(run_id), "statusUrl": status_url(run_id)}
    )


async def _publish_failed(
    monitor: Monitor, run_id: UUID, job_name: JobName, exc: Exception
) -> None:
    logger.error("could not publish the %s command for run %s: %r", job_name, run_id, exc)
    try:
        async with monitor.engine.begin() as conn:
            await jobs.fail(
                conn,
                run_id,
                now=monitor.clock(),
                error_type="publish-failed",
                message=f"the command could not be published to the broker ({type(exc).__name__})",
            )
        monitor.metrics.job_runs.labels(job=job_name.value, status=JobStatus.FAILED.value).inc()
    except Exception:
        logger.exception("could not mark run %s failed after the publish failure", run_id)
