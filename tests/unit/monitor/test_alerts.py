from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.jobs.records import JobRunRow
from sportify_monitor.alerts import (
    STUCK_JOBS_TITLE,
    sample_alert_body,
    stuck_jobs_alert,
    stuck_reason,
)

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def running(job_name: JobName, scheduled_for: datetime, started_at: datetime | None) -> JobRunRow:
    return JobRunRow(
        id=uuid4(),
        job_name=job_name,
        scheduled_for=scheduled_for,
        status=JobStatus.RUNNING,
        started_at=started_at,
        completed_at=None,
        metadata={},
        created_at=scheduled_for,
    )


def test_the_cleanup_reason_names_the_threshold() -> None:
    assert "60 minutes" in stuck_reason(60)
    assert "1 minute " in stuck_reason(1)
    assert "2.5 minutes" in stuck_reason(2.5)


def test_the_stuck_jobs_alert_lists_every_job() -> None:
    jobs = [
        running(JobName.WEEKLY_EVENTS, NOW - timedelta(days=2), NOW - timedelta(hours=2)),
        running(JobName.CLEANUP, NOW - timedelta(days=1), None),
    ]

    title, body = stuck_jobs_alert(jobs, threshold_minutes=60, now=NOW)

    assert title == STUCK_JOBS_TITLE
    assert "marked 2 job run(s) failed" in body
    assert all(str(job.id) in body for job in jobs)
    assert "2026-03-04T10:00:00.000Z" in body
    assert "started never" in body


def test_the_sample_alert_body_carries_the_instant() -> None:
    assert "2026-03-04T12:00:00.000Z" in sample_alert_body(NOW)
