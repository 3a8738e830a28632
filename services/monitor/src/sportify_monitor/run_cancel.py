"""Cancel of a running weekly or monthly run (SPEC 12.5): mark, signal, wait.

1. One transaction marks the run (`metadata.cancelRequested` with actor, reason, instant;
   only a `running` weekly or monthly run matches) and writes the `jobs.cancel` audit row.
2. After that commit, the statement in progress of the run's results transaction is
   cancelled (`pg_cancel_backend`), but only while that backend still carries the run's
   application_name (the aggregator sets it SET LOCAL in its results transaction and notes
   the pid in `metadata.resultsBackend`; `jobs.queries.cancel_results_statement`), so a pooled
   connection that has moved on to other work is never signalled.
3. The aggregator, seeing the statement cancelled or the mark before its next step, rolls
   the results transaction back and fails the run with `error.type` `cancelled`, no alert
   (`sportify_aggregator.runs`). Once the results are committed a cancel stops the summary
   requests before the next batch: the results (complete and correct) stay, summaries already
   requested stay requested, the rest are not; a forced re-run requests the missing ones
   (idempotency keys keep the others from doubling).
4. This waits up to CANCEL_WAIT_SECONDS for the run to leave `running` and answers with its
   status (200), or 202 while it still runs (a redelivered period.closed of a marked run is
   failed as cancelled at once, so a crashed aggregator does not leave it running for good).
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from sportify_common import audit
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError
from sportify_monitor.mail_operations import Operator
from sportify_monitor.ops_schemas import CancelResponse

CANCEL = "jobs.cancel"
CANCELLED_TYPE = "cancelled"
"""The run's error.type once cancelled (the aggregator's `runs.CANCELLED`)."""
CANCEL_WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1


def _name(run: jobs.JobRunRow) -> str:
    return run.job_name.value if isinstance(run.job_name, JobName) else run.job_name


async def cancel_run(
    monitor: Monitor, run_id: UUID, *, operator: Operator, wait_seconds: float = CANCEL_WAIT_SECONDS
) -> tuple[bool, jobs.JobRunRow, bool]:
    """Returns (finished within the wait, the run as last read, whether a statement was
    cancelled). Raises ApiError 404 (unknown run) or 409 (not a running weekly/monthly run)."""
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        marked = await jobs.request_cancel(
            conn, run_id, actor=operator.actor, reason=operator.reason, now=now
        )
        if marked is None:
            existing = await jobs.get(conn, run_id)
            if existing is None:
                raise ApiError(404, "not-found", f"No job run with id {run_id}.")
            if existing.job_name not in jobs.CANCELLABLE_JOBS:
                raise ApiError(
                    409,
                    "conflict",
                    f"Run {run_id} is a {_name(existing)} run: only weekly and "
                    "monthly evaluations can be cancelled.",
                )
            raise ApiError(
                409,
                "conflict",
                f"Run {run_id} is {existing.status.value}, not running: there is nothing to cancel.",
            )
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=CANCEL,
            target=str(run_id),
            reason=operator.reason,
            details={
                "jobName": _name(marked),
                "scheduledFor": marked.scheduled_for.isoformat(),
                "attempt": marked.metadata.get("attempt"),
            },
            now=now,
        )
    async with monitor.engine.connect() as conn:
        signalled = await jobs.cancel_results_statement(conn, marked)
        await conn.commit()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    row = marked
    while True:
        async with monitor.engine.connect() as conn:
            current = await jobs.get(conn, run_id)
        if current is None:  # deleted meanwhile (retention never deletes a running run)
            return True, row, signalled
        row = current
        if row.status is not JobStatus.RUNNING:
            return True, row, signalled
        if loop.time() >= deadline:
            return False, row, signalled
        await asyncio.sleep(POLL_SECONDS)


async def answer(monitor: Monitor, run_id: UUID, *, operator: Operator) -> CancelResponse:
    finished, row, signalled = await cancel_run(
        monitor, run_id, operator=operator, wait_seconds=CANCEL_WAIT_SECONDS
    )
    error = row.metadata.get("error")
    cancelled = (
        row.status is JobStatus.FAILED
        and isinstance(error, dict)
        and error.get("type") == CANCELLED_TYPE
    )
    return CancelResponse(
        status="ok" if finished else "accepted",
        job_run_id=str(row.id),
        run_status=row.status.value,
        cancelled=cancelled,
        statement_cancelled=signalled,
        error=error if isinstance(error, dict) else None,
        status_url=f"/api/admin/jobs/{row.id}",
    )
