"""What a finished job reports (SPEC 4.4, 4.5, 4.8, 5): one model per job kind and one for a failure.

`JobFinished.result` carries one of them; the monitor answers a trigger with it and the run's
`metadata.result` stores it. Keys on the wire are camelCase, in the order declared here.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, TypeAdapter

from sportify_common.vocabulary import MONTHLY, WEEKLY, EvaluatedPeriod
from sportify_common.wire import WireModel


class EmailResult(WireModel):
    """One processed user's summary: queued, or skipped with the reason (SPEC 4.3)."""

    user_id: str
    status: Literal["queued", "skipped"]
    reason: str | None = Field(None, exclude_if=lambda reason: reason is None)


class EmailSummary(WireModel):
    queued: int
    skipped: dict[str, int]  # reason -> count, by reason


class WeeklyResult(WireModel):
    status: Literal["ok"] = "ok"
    skipped: bool = False
    job_run_id: UUID
    processed_users: int
    week_start: str = Field(alias=WEEKLY.start_key)
    week_end: str = Field(alias=WEEKLY.end_key)
    email_summary: EmailSummary
    email_results: list[EmailResult]  # at most EVENTS_RESPONSE_EMAIL_RESULTS_LIMIT


class MonthlyResult(WireModel):
    status: Literal["ok"] = "ok"
    skipped: bool = False
    job_run_id: UUID
    processed_users: int
    month_start: str = Field(alias=MONTHLY.start_key)
    month_end: str = Field(alias=MONTHLY.end_key)
    email_summary: EmailSummary
    email_results: list[EmailResult]


class DispatchResult(WireModel):
    """`emails-dispatch`: rows handled, of which sent, with a failed attempt, skipped."""

    status: Literal["ok"] = "ok"
    processed: int
    sent: int
    failed: int
    skipped: int


class CleanedJob(WireModel):
    id: str
    job_name: str
    scheduled_for: str
    started_at: str | None


class CleanupResult(WireModel):
    status: Literal["ok"] = "ok"
    cleaned: int
    jobs: list[CleanedJob]


class RetentionResult(WireModel):
    """`retention` (SPEC 4.8): rows whose bodies were cleared, and rows deleted, per rule."""

    status: Literal["ok"] = "ok"
    email_bodies_cleared: int
    emails_deleted: int
    job_runs_deleted: int
    suppressions_deleted: int
    audit_deleted: int


class JobError(WireModel):
    type: str
    message: str


class FailedResult(WireModel):
    """Any job that failed (the run's `metadata.error` holds the same error)."""

    status: Literal["error"] = "error"
    job_run_id: UUID
    error: JobError


JobResult = (
    WeeklyResult | MonthlyResult | DispatchResult | CleanupResult | RetentionResult | FailedResult
)
"""Each shape is exclusive (unknown keys are refused), so a body validates as exactly one."""


def evaluation_result(
    evaluated: EvaluatedPeriod,
    *,
    job_run_id: UUID,
    processed_users: int,
    start: str,
    end: str,
    email_summary: EmailSummary,
    email_results: list[EmailResult],
) -> WeeklyResult | MonthlyResult:
    """The result of an evaluation of `evaluated` (its period's keys: weekStart, monthStart...)."""
    if evaluated is WEEKLY:
        return WeeklyResult(
            job_run_id=job_run_id,
            processed_users=processed_users,
            week_start=start,
            week_end=end,
            email_summary=email_summary,
            email_results=email_results,
        )
    return MonthlyResult(
        job_run_id=job_run_id,
        processed_users=processed_users,
        month_start=start,
        month_end=end,
        email_summary=email_summary,
        email_results=email_results,
    )


_RESULT: TypeAdapter[JobResult] = TypeAdapter(JobResult)


def stored_result(value: object) -> JobResult:
    """A result as a completed run's `metadata.result` holds it. Raises ValidationError."""
    return _RESULT.validate_python(value)
