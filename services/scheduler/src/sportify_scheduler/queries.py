"""The scheduler's SQL: which evaluation runs are already completed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.jobs.names import JobName


async def completed_runs(
    conn: AsyncConnection, *, job_names: Sequence[JobName], scheduled_for: Sequence[datetime]
) -> set[tuple[JobName, datetime]]:
    """(job, scheduled_for) pairs among the given ones whose run is completed."""
    if not job_names or not scheduled_for:
        return set()
    result = await conn.execute(
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
