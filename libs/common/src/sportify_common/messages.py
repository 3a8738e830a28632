"""Wire messages (SPEC 6): frozen pydantic models, camelCase on the wire, unknown keys refused.

Events are named as facts (`PeriodClosed`, `EmailRequested`, `JobFinished`), commands as
imperatives (`DispatchEmails`, `CleanupJobs`, `ApplyRetention`). A body that does not validate is rejected
by the consumer and dead-lettered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from sportify_common.job_results import JobResult
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.vocabulary import EmailKind
from sportify_common.wire import WireModel

__all__ = [
    "ApplyRetention",
    "CleanupJobs",
    "DispatchEmails",
    "EmailKind",
    "EmailRequested",
    "JobFinished",
    "PeriodClosed",
    "PreviewAnswer",
    "PreviewRequested",
    "RoutingKey",
    "WireModel",
]


class RoutingKey(StrEnum):
    PERIOD_CLOSED = "period.closed"
    EMAIL_REQUESTED = "email.requested"
    EMAILS_DISPATCH = "emails.dispatch"
    JOBS_CLEANUP = "jobs.cleanup"
    JOBS_RETENTION = "jobs.retention"
    JOB_FINISHED = "job.finished"
    PREVIEW_REQUESTED = "preview.requested"


class PeriodClosed(WireModel):
    job_run_id: UUID
    job_name: JobName
    period_start: AwareDatetime
    period_end: AwareDatetime
    force: bool = False


class EmailRequested(WireModel):
    idempotency_key: str = Field(min_length=1, max_length=300)
    kind: EmailKind
    recipient: str = Field(min_length=3, max_length=320, pattern=r"^[^\s@]+@[^\s@]+$")
    user_id: UUID | None = None
    locale: str = Field("de", pattern=r"^(de|en)$")
    subject: str = Field(min_length=1, max_length=998)
    body_text: str
    body_html: str
    headers: dict[str, str] = Field(default_factory=dict)


class DispatchEmails(WireModel):
    job_run_id: UUID
    limit: int = Field(25, ge=1, le=1000)


class CleanupJobs(WireModel):
    job_run_id: UUID


class ApplyRetention(WireModel):
    """Run the claimed `retention` run (SPEC 4.8); the mailer, owner of the mail tables, does."""

    job_run_id: UUID


class JobFinished(WireModel):
    job_run_id: UUID
    job_name: JobName
    status: JobStatus
    result: JobResult  # one model per job kind, or the failure (sportify_common.job_results)


class PreviewRequested(WireModel):
    """A request (RabbitMQ request/reply, SPEC 12.3): one user's results and summary email of one
    period, computed by the aggregator without writing anything."""

    job_name: JobName
    user_id: UUID
    period_start: AwareDatetime
    period_end: AwareDatetime


class PreviewAnswer(WireModel):
    """The reply to `PreviewRequested`: `result` (the results row as the run would write it,
    camelCase) and `email` (`subject`, `bodyText`, `bodyHtml`, `headers`, and the `recipient`,
    `kind` and `skipReason` the run would use), or an error `code` and `message`."""

    status: Literal["ok", "error"]
    result: dict[str, Any] | None = None
    email: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
