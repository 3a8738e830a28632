"""Typed job results keep the wire's keys and their order (SPEC 4.4, 4.5, 5)."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from pydantic import ValidationError

from sportify_common.job_results import (
    CleanedJob,
    CleanupResult,
    DispatchResult,
    EmailResult,
    EmailSummary,
    FailedResult,
    JobError,
    MonthlyResult,
    RetentionResult,
    WeeklyResult,
    evaluation_result,
    stored_result,
)
from sportify_common.messages import JobFinished
from sportify_common.vocabulary import MONTHLY, WEEKLY

RUN = UUID("6d5af379-10c2-4395-b2e4-adbdeb5bbb5a")
SUMMARY = EmailSummary(queued=1, skipped={"email-notifications-disabled": 1})
RESULTS = [
    EmailResult(user_id="u1", status="queued"),
    EmailResult(user_id="u2", status="skipped", reason="email-notifications-disabled"),
]
EMAILS = (
    '"emailSummary": {"queued": 1, "skipped": {"email-notifications-disabled": 1}}, '
    '"emailResults": [{"userId": "u1", "status": "queued"}, '
    '{"userId": "u2", "status": "skipped", "reason": "email-notifications-disabled"}]}'
)


def test_an_evaluation_result_has_the_originals_keys_in_order() -> None:
    weekly = evaluation_result(
        WEEKLY,
        job_run_id=RUN,
        processed_users=2,
        start="2026-02-02T00:00:00.000Z",
        end="2026-02-08T23:59:59.999Z",
        email_summary=SUMMARY,
        email_results=RESULTS,
    )

    assert isinstance(weekly, WeeklyResult)
    assert json.dumps(weekly.to_wire()) == (
        f'{{"status": "ok", "skipped": false, "jobRunId": "{RUN}", "processedUsers": 2, '
        '"weekStart": "2026-02-02T00:00:00.000Z", "weekEnd": "2026-02-08T23:59:59.999Z", ' + EMAILS
    )


def test_a_monthly_result_names_its_period_by_month() -> None:
    monthly = evaluation_result(
        MONTHLY,
        job_run_id=RUN,
        processed_users=2,
        start="2026-03-01T00:00:00.000Z",
        end="2026-03-31T23:59:59.999Z",
        email_summary=SUMMARY,
        email_results=RESULTS,
    )

    assert isinstance(monthly, MonthlyResult)
    assert list(monthly.to_wire())[4:6] == ["monthStart", "monthEnd"]


def test_dispatch_cleanup_and_failure_results_keep_their_keys() -> None:
    dispatch = DispatchResult(processed=4, sent=3, failed=1, skipped=0)
    cleanup = CleanupResult(
        cleaned=1,
        jobs=[CleanedJob(id="j", job_name="weekly-events", scheduled_for="t", started_at=None)],
    )
    failed = FailedResult(job_run_id=RUN, error=JobError(type="timeout", message="too long"))

    assert json.dumps(dispatch.to_wire()) == (
        '{"status": "ok", "processed": 4, "sent": 3, "failed": 1, "skipped": 0}'
    )
    assert json.dumps(cleanup.to_wire()) == (
        '{"status": "ok", "cleaned": 1, "jobs": [{"id": "j", "jobName": "weekly-events", '
        '"scheduledFor": "t", "startedAt": null}]}'
    )
    assert json.dumps(failed.to_wire()) == (
        f'{{"status": "error", "jobRunId": "{RUN}", '
        '"error": {"type": "timeout", "message": "too long"}}'
    )


def test_a_job_finished_body_validates_as_exactly_its_jobs_result() -> None:
    body = {
        "jobRunId": str(RUN),
        "jobName": "emails-dispatch",
        "status": "completed",
        "result": {"status": "ok", "processed": 1, "sent": 1, "failed": 0, "skipped": 0},
    }

    finished = JobFinished.model_validate(body)

    assert isinstance(finished.result, DispatchResult)
    assert finished.to_wire() == body


@pytest.mark.parametrize("stored", [{}, {"status": "ok", "processedUsers": 9}, {"cleaned": "x"}])
def test_a_result_of_no_known_shape_is_refused(stored: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        stored_result(stored)


def test_a_retention_result_keeps_the_spec_keys_and_validates_as_itself() -> None:
    body = {
        "jobRunId": str(RUN),
        "jobName": "retention",
        "status": "completed",
        "result": {
            "status": "ok",
            "emailBodiesCleared": 5,
            "emailsDeleted": 4,
            "jobRunsDeleted": 3,
            "suppressionsDeleted": 2,
            "auditDeleted": 1,
        },
    }

    finished = JobFinished.model_validate(body)

    assert isinstance(finished.result, RetentionResult)
    assert json.dumps(finished.to_wire()["result"]) == (
        '{"status": "ok", "emailBodiesCleared": 5, "emailsDeleted": 4, "jobRunsDeleted": 3, '
        '"suppressionsDeleted": 2, "auditDeleted": 1}'
    )
