"""The one row type of `job_runs` (SPEC 3.2), as every statement in `jobs` returns it. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sportify_common.jobs.names import JobName, JobStatus


@dataclass(frozen=True, slots=True)
class JobRunRow:
    id: UUID
    job_name: JobName | str
    """A JobName for the jobs this system runs; any other text a row holds is kept as it is
    (such a run can still be listed, shown and cleaned up)."""
    scheduled_for: datetime
    status: JobStatus
    started_at: datetime | None
    completed_at: datetime | None
    metadata: dict[str, Any]
    created_at: datetime


def job_name_of(value: str) -> JobName | str:
    try:
        return JobName(value)
    except ValueError:
        return value
