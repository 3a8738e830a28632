"""Response bodies: camelCase keys, instants as ISO-8601 UTC strings with milliseconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from sportify_common.job_results import (
    DispatchResult,
    MonthlyResult,
    RetentionResult,
    WeeklyResult,
)
from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import to_wire


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


def wire(instant: datetime | None) -> str | None:
    return to_wire(instant) if instant is not None else None


class JobStatEntry(Schema):
    job_name: str
    status: str
    count: int
    last_run: str | None
    failed_count: int
    running_count: int
    completed_count: int
    pending_count: int


class FailureEntry(Schema):
    job_name: str
    count: int


class StuckJobEntry(Schema):
    id: str
    job_name: str
    scheduled_for: str
    started_at: str | None

    @classmethod
    def of(cls, job: JobRunRow) -> StuckJobEntry:
        return cls(
            id=str(job.id),
            job_name=job.job_name,
            scheduled_for=to_wire(job.scheduled_for),
            started_at=wire(job.started_at),
        )


class EmailStatEntry(Schema):
    status: str
    count: int
    failed_after_retries: int


class RecentEmailEntry(Schema):
    id: str
    recipient: str
    kind: str
    subject: str
    status: str
    attempts: int
    error: str | None
    created_at: str
    sent_at: str | None


class JobsSection(Schema):
    stats: list[JobStatEntry]
    recent_failures: list[FailureEntry]
    stuck_jobs: list[StuckJobEntry]


class EmailsSection(Schema):
    stats: list[EmailStatEntry]
    recent: list[RecentEmailEntry]


class MonitoringDocument(Schema):
    status: Literal["ok"] = "ok"
    jobs: JobsSection
    emails: EmailsSection


class JobRunEntry(Schema):
    id: str
    job_name: str
    scheduled_for: str
    status: str
    started_at: str | None
    completed_at: str | None
    created_at: str
    trigger: str | None
    attempt: int | None

    @classmethod
    def fields_of(cls, row: JobRunRow) -> dict[str, Any]:
        attempt = row.metadata.get("attempt")
        trigger = row.metadata.get("trigger")
        return {
            "id": str(row.id),
            "job_name": row.job_name,
            "scheduled_for": to_wire(row.scheduled_for),
            "status": row.status,
            "started_at": wire(row.started_at),
            "completed_at": wire(row.completed_at),
            "created_at": to_wire(row.created_at),
            "trigger": trigger if isinstance(trigger, str) else None,
            "attempt": attempt if isinstance(attempt, int) else None,
        }


class JobRunDetail(JobRunEntry):
    metadata: dict[str, Any]

    @classmethod
    def of(cls, row: JobRunRow) -> JobRunDetail:
        return cls(**cls.fields_of(row), metadata=row.metadata)


class JobList(Schema):
    status: Literal["ok"] = "ok"
    jobs: list[JobRunEntry]


class JobDetailResponse(Schema):
    status: Literal["ok"] = "ok"
    job: JobRunDetail


class CleanupResponse(Schema):
    status: Literal["ok"] = "ok"
    job_run_id: str
    cleaned: int
    jobs: list[StuckJobEntry]


class AlertTestResponse(Schema):
    status: Literal["ok"] = "ok"
    queued: bool
    reason: str | None


class UnsubscribeResponse(Schema):
    status: Literal["ok"] = "ok"
    unsubscribed: bool
    message: str


FinishedRun = WeeklyResult | MonthlyResult | DispatchResult | RetentionResult
"""A trigger's 200 body when its run completed (SPEC 5): the job's own typed result."""


class HealthResponse(Schema):
    status: Literal["ok"] = "ok"
    database: str | None = None
    broker: str | None = None
