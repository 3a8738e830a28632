"""The monitoring document (SPEC 5) and the run-history reads, assembled from the shared reads.

The document's two sections are each one statement rendered as JSON by PostgreSQL (the jobs in
`jobs.views`, the emails in `email_queue_reads`), read on one connection and joined here.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common import email_queue_reads
from sportify_common.jobs import queries as jobs, views
from sportify_common.jobs.names import JobName, JobStatus
from sportify_monitor.context import Monitor
from sportify_monitor.schemas import JobRunDetail

JOB_STATS_WINDOW = timedelta(days=30)
FAILURES_WINDOW = timedelta(days=7)
EMAIL_STATS_WINDOW = timedelta(days=7)
RECENT_EMAILS_WINDOW = timedelta(hours=24)
STUCK_LIST_LIMIT = 100
RECENT_EMAILS_LIMIT = 100


async def monitoring_document_json(monitor: Monitor, engine: AsyncEngine) -> str:
    """The monitoring document as JSON text, on `engine` (the monitor's connection reserved
    for it)."""
    now = monitor.clock()
    threshold = timedelta(minutes=monitor.settings.stuck_job_threshold_minutes)
    async with engine.connect() as conn:
        jobs_section = await views.jobs_section_json(
            conn,
            jobs_since=now - JOB_STATS_WINDOW,
            failures_since=now - FAILURES_WINDOW,
            stuck_cutoff=now - threshold,
            stuck_limit=STUCK_LIST_LIMIT,
        )
        emails_section = await email_queue_reads.emails_section_json(
            conn,
            emails_since=now - EMAIL_STATS_WINDOW,
            recent_since=now - RECENT_EMAILS_WINDOW,
            recent_limit=RECENT_EMAILS_LIMIT,
        )
    return f'{{"status": "ok", "jobs": {jobs_section}, "emails": {emails_section}}}'


async def job_history_json(
    monitor: Monitor, *, job_name: JobName | None, status: JobStatus | None, limit: int
) -> str:
    """GET /api/admin/jobs as JSON text (schemas.JobList's shape)."""
    async with monitor.engine.connect() as conn:
        runs = await views.history_json(conn, job_name=job_name, status=status, limit=limit)
    return f'{{"status": "ok", "jobs": {runs}}}'


async def job_detail(monitor: Monitor, run_id: UUID) -> JobRunDetail | None:
    async with monitor.engine.connect() as conn:
        row = await jobs.get(conn, run_id)
    return JobRunDetail.of(row) if row is not None else None
