"""The monitor's SQL: the monitoring document, run history, cleanup, unsubscribe, scrape gauges.

Every query is bounded by an index (see db/tables.py): job_runs(created_at),
job_runs(job_name, started_at) where failed, job_runs(started_at) where running,
email_queue(created_at, status), email_queue(status).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.jobs.names import JobName, JobStatus
from sportify_monitor.alerts import StuckJob

STUCK_LIST_LIMIT = 100
RECENT_EMAILS_LIMIT = 100


@dataclass(frozen=True, slots=True)
class JobRunSummary:
    id: UUID
    job_name: str
    scheduled_for: datetime
    status: str
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    metadata: dict[str, Any]


def _wire(column: str) -> str:
    """SQL rendering an instant as on the wire (to_wire): UTC, milliseconds, `Z`."""
    return f"""to_char({column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


# The whole monitoring document (SPEC 5) in one statement and one round trip, rendered as
# JSON by PostgreSQL: the same keys, order and values the five queries above give
# through schemas.MonitoringDocument, without building ~100 rows of models per request.
MONITORING_DOCUMENT_SQL = f"""
with job_stats as (
    select job_name,
           (array_agg(status order by coalesce(started_at, created_at) desc,
                                      created_at desc))[1] as status,
           count(*) as count,
           max(started_at) as last_run,
           count(*) filter (where status = 'failed') as failed_count,
           count(*) filter (where status = 'running') as running_count,
           count(*) filter (where status = 'completed') as completed_count,
           count(*) filter (where status = 'pending') as pending_count
      from job_runs
     where created_at >= :jobs_since
     group by job_name
), failures as (
    select job_name, count(*) as count
      from job_runs
     where status = 'failed' and started_at >= :failures_since
     group by job_name
), stuck as (
    select id, job_name, scheduled_for, started_at
      from job_runs
     where status = 'running' and started_at < :stuck_cutoff
     order by started_at
     limit :stuck_limit
), email_stats as (
    select status, count(*) as count,
           count(*) filter (where failed_after_retries) as failed_after_retries
      from email_queue
     where created_at >= :emails_since
     group by status
), recent as (
    select id, recipient, kind, subject, status, attempts, error, created_at, sent_at
      from email_queue
     where created_at >= :recent_since
     order by created_at desc, id
     limit :recent_limit
)
select json_build_object(
    'status', 'ok',
    'jobs', json_build_object(
        'stats', coalesce((
            select json_agg(json_build_object(
                       'jobName', job_name, 'status', status, 'count', count,
                       'lastRun', {_wire("last_run")}, 'failedCount', failed_count,
                       'runningCount', running_count, 'completedCount', completed_count,
                       'pendingCount', pending_count) order by job_name)
              from job_stats), '[]'::json),
        'recentFailures', coalesce((
            select json_agg(json_build_object('jobName', job_name, 'count', count)
                            order by job_name)
              from failures), '[]'::json),
        'stuckJobs', coalesce((
            select json_agg(json_build_object(
                       'id', id, 'jobName', job_name,
                       'scheduledFor', {_wire("scheduled_for")},
                       'startedAt', {_wire("started_at")}) order by started_at, id)
              from stuck), '[]'::json)),
    'emails', json_build_object(
        'stats', coalesce((
            select json_agg(json_build_object(
                       'status', status, 'count', count,
                       'failedAfterRetries', failed_after_retries) order by status)
              from email_stats), '[]'::json),
        'recent', coalesce((
            select json_agg(json_build_object(
                       'id', id, 'recipient', recipient, 'kind', kind, 'subject', subject,
                       'status', status, 'attempts', attempts, 'error', error,
                       'createdAt', {_wire("created_at")}, 'sentAt', {_wire("sent_at")})
                       order by created_at desc, id)
              from recent), '[]'::json))
)::text
"""


async def monitoring_document_json(
    conn: AsyncConnection,
    *,
    jobs_since: datetime,
    failures_since: datetime,
    stuck_cutoff: datetime,
    emails_since: datetime,
    recent_since: datetime,
) -> str:
    result = await conn.execute(
        text(MONITORING_DOCUMENT_SQL),
        {
            "jobs_since": jobs_since,
            "failures_since": failures_since,
            "stuck_cutoff": stuck_cutoff,
            "stuck_limit": STUCK_LIST_LIMIT,
            "emails_since": emails_since,
            "recent_since": recent_since,
            "recent_limit": RECENT_EMAILS_LIMIT,
        },
    )
    return str(result.scalar_one())


_RUN_COLUMNS = "id, job_name, scheduled_for, status, started_at, completed_at, created_at, metadata"


def _run(row: Any) -> JobRunSummary:
    values = dict(row)
    values["metadata"] = dict(values["metadata"] or {})
    return JobRunSummary(**values)


# GET /api/admin/jobs rendered by PostgreSQL (as the monitoring document): schemas.JobList's
# keys and values, without decoding each run's metadata and building a model per row.
JOB_LIST_SQL = f"""
with runs as (
    select id, job_name, scheduled_for, status, started_at, completed_at, created_at,
           metadata->'trigger' as trigger, metadata->'attempt' as attempt
      from job_runs
     where (cast(:job_name as text) is null or job_name = cast(:job_name as text))
       and (cast(:status as text) is null or status = cast(:status as text))
     order by created_at desc, id
     limit :limit
)
select json_build_object(
    'status', 'ok',
    'jobs', coalesce((
        select json_agg(json_build_object(
                   'id', id, 'jobName', job_name, 'scheduledFor', {_wire("scheduled_for")},
                   'status', status, 'startedAt', {_wire("started_at")},
                   'completedAt', {_wire("completed_at")}, 'createdAt', {_wire("created_at")},
                   'trigger', case when jsonb_typeof(trigger) = 'string' then trigger #>> '{{}}' end,
                   'attempt', case when jsonb_typeof(attempt) = 'number'
                                    and attempt::numeric = trunc(attempt::numeric)
                                   then trunc(attempt::numeric) end)
                   order by created_at desc, id)
          from runs), '[]'::json)
)::text
"""


async def job_list_json(
    conn: AsyncConnection,
    *,
    job_name: JobName | None,
    status: JobStatus | None,
    limit: int,
) -> str:
    """Newest first (by created_at, the instant of the latest claim), as JSON text."""
    result = await conn.execute(
        text(JOB_LIST_SQL),
        {
            "job_name": job_name.value if job_name else None,
            "status": status.value if status else None,
            "limit": limit,
        },
    )
    return str(result.scalar_one())


async def get_run(conn: AsyncConnection, run_id: UUID) -> JobRunSummary | None:
    result = await conn.execute(
        text(f"select {_RUN_COLUMNS} from job_runs where id = :id"), {"id": run_id}
    )
    row = result.mappings().first()
    return _run(row) if row is not None else None


async def fail_stuck_runs(
    conn: AsyncConnection,
    *,
    cutoff: datetime,
    now: datetime,
    reason: str,
    exclude: UUID | None = None,
) -> list[StuckJob]:
    """One set-based UPDATE: every run running since before `cutoff` becomes failed."""
    patch = {"cleanup_reason": reason, "error": {"type": "stuck", "message": reason}}
    result = await conn.execute(
        text(
            """
            update job_runs
               set status = 'failed', completed_at = :now,
                   metadata = metadata || cast(:patch as jsonb)
             where status = 'running' and started_at < :cutoff
               and id is distinct from cast(:exclude as uuid)
            returning id, job_name, scheduled_for, started_at
            """
        ),
        {"cutoff": cutoff, "now": now, "patch": json.dumps(patch), "exclude": exclude},
    )
    rows = [StuckJob(**row) for row in result.mappings()]
    return sorted(rows, key=lambda job: (job.started_at or now, str(job.id)))


async def disable_notifications(conn: AsyncConnection, user_id: UUID) -> bool:
    """True when the user exists (whether or not notifications were on)."""
    result = await conn.execute(
        text("update users set email_notifications_enabled = false where id = :id returning id"),
        {"id": user_id},
    )
    return result.first() is not None


@dataclass(frozen=True, slots=True)
class GaugeCounts:
    stuck: int
    email_statuses: Sequence[tuple[str, int]]


async def gauge_counts(conn: AsyncConnection, *, cutoff: datetime) -> GaugeCounts:
    stuck = await conn.execute(
        text("select count(*) from job_runs where status = 'running' and started_at < :cutoff"),
        {"cutoff": cutoff},
    )
    statuses = await conn.execute(text("select status, count(*) from email_queue group by status"))
    return GaugeCounts(
        stuck=int(stuck.scalar_one()),
        email_statuses=[(str(status), int(count)) for status, count in statuses.all()],
    )
