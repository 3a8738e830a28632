"""Read views of `job_runs` for the monitor's API, rendered as JSON text by PostgreSQL.

One statement per view, with the keys and values of the monitor's response schemas, so that
no row is decoded into Python and re-encoded per request. Every one is bounded by an index
(db/tables.py): job_runs(created_at), job_runs(job_name, started_at) where failed,
job_runs(started_at) where running.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.periods import to_wire_sql

# The monitoring document's `jobs` (SPEC 5): stats of the last 30 days, recent failures,
# stuck runs.
JOBS_SECTION_SQL = f"""
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
)
select json_build_object(
    'stats', coalesce((
        select json_agg(json_build_object(
                   'jobName', job_name, 'status', status, 'count', count,
                   'lastRun', {to_wire_sql("last_run")}, 'failedCount', failed_count,
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
                   'scheduledFor', {to_wire_sql("scheduled_for")},
                   'startedAt', {to_wire_sql("started_at")}) order by started_at, id)
          from stuck), '[]'::json)
)::text
"""


async def jobs_section_json(
    conn: AsyncConnection,
    *,
    jobs_since: datetime,
    failures_since: datetime,
    stuck_cutoff: datetime,
    stuck_limit: int,
) -> str:
    """`{"stats": [...], "recentFailures": [...], "stuckJobs": [...]}` as JSON text."""
    result = await conn.execute(
        text(JOBS_SECTION_SQL),
        {
            "jobs_since": jobs_since,
            "failures_since": failures_since,
            "stuck_cutoff": stuck_cutoff,
            "stuck_limit": stuck_limit,
        },
    )
    return str(result.scalar_one())


# GET /api/admin/jobs: the newest runs (by created_at, the instant of the latest claim).
HISTORY_SQL = f"""
with runs as (
    select id, job_name, scheduled_for, status, started_at, completed_at, created_at,
           metadata->'trigger' as trigger, metadata->'attempt' as attempt
      from job_runs
     where (cast(:job_name as text) is null or job_name = cast(:job_name as text))
       and (cast(:status as text) is null or status = cast(:status as text))
     order by created_at desc, id
     limit :limit
)
select coalesce((
    select json_agg(json_build_object(
               'id', id, 'jobName', job_name, 'scheduledFor', {to_wire_sql("scheduled_for")},
               'status', status, 'startedAt', {to_wire_sql("started_at")},
               'completedAt', {to_wire_sql("completed_at")},
               'createdAt', {to_wire_sql("created_at")},
               'trigger', case when jsonb_typeof(trigger) = 'string' then trigger #>> '{{}}' end,
               'attempt', case when jsonb_typeof(attempt) = 'number'
                                and attempt::numeric = trunc(attempt::numeric)
                               then trunc(attempt::numeric) end)
               order by created_at desc, id)
      from runs), '[]'::json)::text
"""


async def history_json(
    conn: AsyncConnection,
    *,
    job_name: JobName | None,
    status: JobStatus | None,
    limit: int,
) -> str:
    """The runs as a JSON array, newest first (by created_at, the instant of the latest claim)."""
    result = await conn.execute(
        text(HISTORY_SQL),
        {
            "job_name": job_name.value if job_name else None,
            "status": status.value if status else None,
            "limit": limit,
        },
    )
    return str(result.scalar_one())
