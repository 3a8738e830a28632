"""The monitoring document (SPEC 5) and the run-history reads, assembled from queries."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.names import JobName, JobStatus
from sportify_monitor import queries
from sportify_monitor.context import Monitor
from sportify_monitor.schemas import JobRunDetail

JOB_STATS_WINDOW = timedelta(days=30)
FAILURES_WINDOW = timedelta(days=7)
EMAIL_STATS_WINDOW = timedelta(days=7)
RECENT_EMAILS_WINDOW = timedelta(hours=24)


async def monitoring_document_json(monitor: Monitor, engine: AsyncEngine) -> str:
    """The monitoring document as JSON text, built by PostgreSQL in one round trip on `engine`
    (the monitor's connection reserved for it)."""
    now = monitor.clock()
    threshold = timedelta(minutes=monitor.settings.stuck_job_threshold_minutes)
    async with engine.connect() as conn:
        return await queries.monitoring_document_json(
            conn,
            jobs_since=now - JOB_STATS_WINDOW,
            failures_since=now - FAILURES_WINDOW,
            stuck_cutoff=now - threshold,
            emails_since=now - EMAIL_STATS_WINDOW,
            recent_since=now - RECENT_EMAILS_WINDOW,
        )


async def job_history_json(
    monitor: Monitor, *, job_name: JobName | None, status: JobStatus | None, limit: int
) -> str:
    async with monitor.engine.connect() as conn:
        return await queries.job_list_json(conn, job_name=job_name, status=status, limit=limit)


async def job_detail(monitor: Monitor, run_id: UUID) -> JobRunDetail | None:
    async with monitor.engine.connect() as conn:
        row = await queries.get_run(conn, run_id)
    return JobRunDetail.of(row) if row is not None else None
