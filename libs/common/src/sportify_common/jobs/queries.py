"""SQL on `job_runs`: claim, start, finish, look up, clean up. Every service records runs
through these; the monitor's JSON reads of the table are in `jobs.views`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.jobs.records import (
    JobRunRow as JobRunRow,  # the table's row type, here too
    job_name_of,
)
from sportify_common.jobs.rules import ClaimOutcome, ExistingRun, decide_claim

Executor = AsyncSession | AsyncConnection

STALE_PENDING_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: ClaimOutcome
    run: JobRunRow

    @property
    def should_publish(self) -> bool:
        return self.outcome in (ClaimOutcome.NEW, ClaimOutcome.RERUN)


_COLUMNS = "id, job_name, scheduled_for, status, started_at, completed_at, metadata, created_at"


def _row(mapping: Any) -> JobRunRow:
    return JobRunRow(
        id=mapping["id"],
        job_name=job_name_of(mapping["job_name"]),
        scheduled_for=mapping["scheduled_for"],
        status=JobStatus(mapping["status"]),
        started_at=mapping["started_at"],
        completed_at=mapping["completed_at"],
        metadata=dict(mapping["metadata"] or {}),
        created_at=mapping["created_at"],
    )


async def _one(db: Executor, sql: str, **params: Any) -> JobRunRow | None:
    result = await db.execute(text(sql), params)
    mapping = result.mappings().first()
    return _row(mapping) if mapping is not None else None


async def _many(db: Executor, sql: str, **params: Any) -> list[JobRunRow]:
    result = await db.execute(text(sql), params)
    return [_row(mapping) for mapping in result.mappings()]


async def claim(
    db: Executor,
    *,
    job_name: JobName,
    scheduled_for: datetime,
    trigger: Trigger,
    force: bool,
    now: datetime,
    extra: dict[str, Any] | None = None,
    stale_pending_after: timedelta = STALE_PENDING_AFTER,
) -> Claim:
    """Insert the run, or decide on the existing one under a row lock. Caller commits.

    The unique (job_name, scheduled_for) decides between concurrent claimers: exactly one
    insert wins; the others lock the winner's row and see it pending or running.
    """
    metadata = {"trigger": trigger.value, "attempt": 1, "forced": force, **(extra or {})}
    inserted = await _one(
        db,
        f"""
        insert into job_runs (id, job_name, scheduled_for, status, metadata, created_at)
        values (:id, :job_name, :scheduled_for, 'pending', cast(:metadata as jsonb), :now)
        on conflict (job_name, scheduled_for) do nothing
        returning {_COLUMNS}
        """,
        id=uuid4(),
        job_name=job_name.value,
        scheduled_for=scheduled_for,
        metadata=json.dumps(metadata),
        now=now,
    )
    if inserted is not None:
        return Claim(ClaimOutcome.NEW, inserted)

    existing = await _one(
        db,
        f"select {_COLUMNS} from job_runs where job_name = :job_name "
        "and scheduled_for = :scheduled_for for update",
        job_name=job_name.value,
        scheduled_for=scheduled_for,
    )
    if existing is None:  # deleted between the two statements: vanishingly rare
        raise RuntimeError(f"job run {job_name} {scheduled_for} vanished during its claim")
    outcome = decide_claim(
        ExistingRun(existing.status, existing.created_at, existing.started_at),
        force=force,
        now=now,
        stale_pending_after=stale_pending_after,
    )
    if outcome is not ClaimOutcome.RERUN:
        return Claim(outcome, existing)

    rerun = await _one(
        db,
        f"""
        update job_runs
           set status = 'pending', started_at = null, completed_at = null, created_at = :now,
               metadata = (metadata - 'error' - 'cleanup_reason' - 'result'
                           - 'sendEmails' - 'backfillId'
                           - 'cancelRequested' - 'resultsBackend')
                          || cast(:metadata as jsonb)
                          || jsonb_build_object('attempt', coalesce((metadata->>'attempt')::int, 1) + 1)
         where id = :id
        returning {_COLUMNS}
        """,
        id=existing.id,
        now=now,
        metadata=json.dumps({k: v for k, v in metadata.items() if k != "attempt"}),
    )
    assert rerun is not None  # noqa: S101 - the row is locked by this transaction
    return Claim(ClaimOutcome.RERUN, rerun)


async def get(db: Executor, run_id: UUID) -> JobRunRow | None:
    return await _one(db, f"select {_COLUMNS} from job_runs where id = :id", id=run_id)


async def start(db: Executor, run_id: UUID, *, now: datetime) -> JobRunRow | None:
    """Mark a pending or (redelivered) running run as running; None when it is already finished.

    A run that was already running is being restarted after a crash: its attempt counts up.
    """
    return await _one(
        db,
        f"""
        update job_runs
           set status = 'running',
               started_at = case when status = 'running' then started_at else :now end,
               metadata = case when status = 'running'
                   then metadata || jsonb_build_object(
                        'attempt', coalesce((metadata->>'attempt')::int, 1) + 1)
                   else metadata end
         where id = :id and status in ('pending', 'running')
        returning {_COLUMNS}
        """,
        id=run_id,
        now=now,
    )


async def complete(
    db: Executor,
    run_id: UUID,
    *,
    now: datetime,
    result: dict[str, Any],
    timings: Mapping[str, float] | None = None,
) -> JobRunRow | None:
    """Mark a running run completed with its result; None when it is no longer running.

    `timings` (how long the run's phases took, in seconds) go to `metadata.timings`, beside
    the result and never inside it: benchmarks read them, clients never see them.
    """
    summary = {"result": result, **_summary_fields(result)}
    if timings is not None:
        summary["timings"] = dict(timings)
    return await _one(
        db,
        f"""
        update job_runs
           set status = 'completed', completed_at = :now,
               metadata = metadata || cast(:summary as jsonb)
         where id = :id and status = 'running'
        returning {_COLUMNS}
        """,
        id=run_id,
        now=now,
        summary=json.dumps(summary, default=str),
    )


async def fail(
    db: Executor,
    run_id: UUID,
    *,
    now: datetime,
    error_type: str,
    message: str,
    extra: dict[str, Any] | None = None,
) -> JobRunRow | None:
    """Mark a pending or running run failed with `metadata.error`; None if already finished."""
    patch = {"error": {"type": error_type, "message": message[:2000]}, **(extra or {})}
    return await _one(
        db,
        f"""
        update job_runs
           set status = 'failed', completed_at = :now,
               started_at = coalesce(started_at, :now),
               metadata = metadata || cast(:patch as jsonb)
         where id = :id and status in ('pending', 'running')
        returning {_COLUMNS}
        """,
        id=run_id,
        now=now,
        patch=json.dumps(patch, default=str),
    )


def _summary_fields(result: dict[str, Any]) -> dict[str, Any]:
    """Scalar counters from the result, lifted to the top of metadata (e.g. processedUsers)."""
    return {k: v for k, v in result.items() if isinstance(v, int | float | str | bool)}


async def completed_runs(
    db: Executor, *, job_names: Sequence[JobName], scheduled_for: Sequence[datetime]
) -> set[tuple[JobName, datetime]]:
    """(job, scheduled_for) pairs among the given ones whose run is completed."""
    if not job_names or not scheduled_for:
        return set()
    result = await db.execute(
        text(
            """
            select job_name, scheduled_for from job_runs
             where status = 'completed'
               and job_name = any(:job_names)
               and scheduled_for = any(:scheduled_for)
            """
        ),
        {"job_names": [j.value for j in job_names], "scheduled_for": list(scheduled_for)},
    )
    return {(JobName(row.job_name), row.scheduled_for) for row in result}


async def fail_stuck(
    db: Executor,
    *,
    cutoff: datetime,
    now: datetime,
    reason: str,
    exclude: UUID | None = None,
) -> list[JobRunRow]:
    """One set-based UPDATE: every run running since before `cutoff` becomes failed, with
    `metadata.cleanup_reason` and `metadata.error`. Oldest start first."""
    patch = {"cleanup_reason": reason, "error": {"type": "stuck", "message": reason}}
    rows = await _many(
        db,
        f"""
        update job_runs
           set status = 'failed', completed_at = :now,
               metadata = metadata || cast(:patch as jsonb)
         where status = 'running' and started_at < :cutoff
           and id is distinct from cast(:exclude as uuid)
        returning {_COLUMNS}
        """,
        cutoff=cutoff,
        now=now,
        patch=json.dumps(patch),
        exclude=exclude,
    )
    return sorted(rows, key=lambda run: (run.started_at or now, str(run.id)))


async def count_stuck(db: Executor, *, cutoff: datetime) -> int:
    """Runs running since before `cutoff`."""
    result = await db.execute(
        text("select count(*) from job_runs where status = 'running' and started_at < :cutoff"),
        {"cutoff": cutoff},
    )
    return int(result.scalar_one())


async def delete_finished_before(db: Executor, *, cutoff: datetime, limit: int) -> int:
    """Retention (SPEC 4.8), one batch: delete up to `limit` finished runs created before
    `cutoff`; returns how many. The caller commits, and loops while a batch is full.

    Kept whatever their age: `pending` and `running` runs, and the latest completed run of
    each job name (no completed run started after it), so a job's last success stays known.
    Age is `created_at`, the instant of the run's (latest) claim, not `scheduled_for`: a
    backfill of an old period is as young as its claim. Rows another transaction holds are
    skipped (SKIP LOCKED), so two retention runs never wait on or double-count each other.
    Walks ix_job_runs_created_at; the batch's ids reach the delete as an array, so it finds
    them through the primary key (a join to the batch hashed a scan of the whole table).
    """
    result = await db.execute(
        text(
            """
            with batch as (
                select r.id from job_runs r
                 where r.created_at < :cutoff
                   and r.status in ('completed', 'failed')
                   and (r.status = 'failed' or exists (
                        select 1 from job_runs newer
                         where newer.job_name = r.job_name
                           and newer.status = 'completed'
                           and newer.started_at > r.started_at))
                 order by r.created_at
                 limit :limit
                 for update of r skip locked
            )
            delete from job_runs where id = any(array(select id from batch))
            """
        ),
        {"cutoff": cutoff, "limit": limit},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def any_running(db: Executor, *, job_names: Sequence[JobName]) -> bool:
    """Whether a run of one of `job_names` is running now (retention yields to evaluations).
    Walks the small partial index ix_job_runs_running_started_at."""
    result = await db.execute(
        text(
            "select exists (select 1 from job_runs where status = 'running' "
            "and job_name = any(:job_names))"
        ),
        {"job_names": [name.value for name in job_names]},
    )
    return bool(result.scalar_one())


async def latest_started(db: Executor, *, job_names: Sequence[JobName]) -> dict[JobName, JobRunRow]:
    """Each job's run that started last (the schedules' `lastRun`, SPEC 12.1); a job none of
    whose runs started is absent. One index probe per job (ix_job_runs_job_name_started_at)."""
    result = await db.execute(
        text(
            """
            select r.* from unnest(cast(:job_names as text[])) as j(name)
             cross join lateral (
                select id, job_name, scheduled_for, status, started_at, completed_at, metadata,
                       created_at
                  from job_runs
                 where job_name = j.name and started_at is not null
                 order by started_at desc limit 1
             ) as r
            """
        ),
        {"job_names": [name.value for name in job_names]},
    )
    rows = [_row(mapping) for mapping in result.mappings()]
    return {JobName(row.job_name): row for row in rows}


# --- cancel (SPEC 12.5) ------------------------------------------------------------------
# The monitor marks `metadata.cancelRequested` on a running run and cancels the statement in
# progress of the run's results transaction, whose backend the aggregator notes in
# `metadata.resultsBackend` (`{"pid", "applicationName"}`) when it opens it. The aggregator
# checks the mark between steps and fails the run with `error.type` `cancelled`.

CANCELLABLE_JOBS = (JobName.WEEKLY_EVENTS, JobName.MONTHLY_EVENTS)


def results_application_name(run_id: UUID) -> str:
    """The `application_name` of a run's results transaction (SET LOCAL, so it ends with it):
    what the cancel checks in pg_stat_activity before it signals a backend."""
    return f"sportify-run:{run_id}"


async def request_cancel(
    db: Executor, run_id: UUID, *, actor: str, reason: str | None, now: datetime
) -> JobRunRow | None:
    """Mark a running weekly or monthly run for cancellation; None when it is not one (the
    caller tells unknown from not running with `get`). Caller commits."""
    mark = {"cancelRequested": {"actor": actor, "reason": reason, "at": now.isoformat()}}
    return await _one(
        db,
        f"""
        update job_runs set metadata = metadata || cast(:mark as jsonb)
         where id = :id and status = 'running' and job_name = any(:jobs)
        returning {_COLUMNS}
        """,
        id=run_id,
        mark=json.dumps(mark),
        jobs=[name.value for name in CANCELLABLE_JOBS],
    )


async def note_results_backend(db: Executor, run_id: UUID, *, pid: int) -> None:
    """Record the backend of the run's results transaction (the aggregator, in a transaction
    of its own, right after it opened the results one)."""
    backend = {"resultsBackend": {"pid": pid, "applicationName": results_application_name(run_id)}}
    await db.execute(
        text(
            "update job_runs set metadata = metadata || cast(:backend as jsonb) "
            "where id = :id and status = 'running'"
        ),
        {"id": run_id, "backend": json.dumps(backend)},
    )


async def cancel_requested(db: Executor, run_id: UUID) -> bool:
    """Whether the run carries `cancelRequested` (read committed: a statement sees the
    monitor's committed mark even inside a long transaction)."""
    result = await db.execute(
        text("select coalesce(metadata ? 'cancelRequested', false) from job_runs where id = :id"),
        {"id": run_id},
    )
    return bool(result.scalar_one_or_none())


async def cancel_results_statement(db: Executor, run: JobRunRow) -> bool:
    """Cancel the statement in progress of `run`'s results transaction, if one runs now.

    Only a backend whose application_name is still this run's (SET LOCAL in the results
    transaction, so a pooled connection that has moved on no longer matches) is signalled,
    in the same statement that checks it. True when a backend was signalled.
    """
    backend = run.metadata.get("resultsBackend")
    if not isinstance(backend, dict) or not isinstance(backend.get("pid"), int):
        return False
    result = await db.execute(
        text(
            "select pg_cancel_backend(pid) from pg_stat_activity "
            "where pid = :pid and application_name = :name"
        ),
        {"pid": backend["pid"], "name": results_application_name(run.id)},
    )
    return any(bool(value) for value in result.scalars())


# --- the ops console's reads (SPEC 13) --------------------------------------------------------

_PAGE_SQL = f"""
select {_COLUMNS} from job_runs
 where (cast(:job_name as text) is null or job_name = cast(:job_name as text))
   and (cast(:status as text) is null or status = cast(:status as text))
   and (cast(:c_at as timestamptz) is null
        or (created_at, id) < (cast(:c_at as timestamptz), cast(:c_id as uuid)))
 order by created_at desc, id desc
 limit :limit
"""


async def page(
    db: Executor,
    *,
    job_name: str | None,
    status: str | None,
    after_at: datetime | None,
    after_id: UUID | None,
    limit: int,
) -> list[JobRunRow]:
    """Runs newest first by (created_at, id), strictly before the given key; `limit` rows
    (walks ix_job_runs_created_at backwards)."""
    return await _many(
        db,
        _PAGE_SQL,
        job_name=job_name,
        status=status,
        c_at=after_at,
        c_id=after_id,
        limit=limit,
    )


@dataclass(frozen=True, slots=True)
class HourlyDurations:
    hour: datetime
    job_name: str
    runs: int
    mean_seconds: float
    max_seconds: float


async def hourly_durations(db: Executor, *, since: datetime) -> list[HourlyDurations]:
    """Per UTC hour and job, the finished runs started since `since` and their durations: at
    most 24 rows a day per job, whatever the number of runs."""
    result = await db.execute(
        text(
            """
            select date_trunc('hour', started_at) as hour, job_name, count(*) as runs,
                   avg(extract(epoch from completed_at - started_at)) as mean_seconds,
                   max(extract(epoch from completed_at - started_at)) as max_seconds
              from job_runs
             where created_at >= :since and started_at >= :since
               and completed_at is not null
             group by 1, 2
             order by 1, 2
            """
        ),
        {"since": since},
    )
    return [
        HourlyDurations(
            hour=row.hour,
            job_name=row.job_name,
            runs=int(row.runs),
            mean_seconds=float(row.mean_seconds or 0),
            max_seconds=float(row.max_seconds or 0),
        )
        for row in result
    ]
