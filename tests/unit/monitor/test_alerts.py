from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.jobs.records import JobRunRow
from sportify_monitor.alerts import sample_alert, sample_alert_body, stuck_jobs_alert, stuck_reason

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
BASE = "https://ops.sportify.example"


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


def test_the_stuck_jobs_alert_names_each_run_by_its_period_and_links_it() -> None:
    # A weekly run is scheduled for its week's end: local Monday 2026-03-02 00:00 in Berlin.
    weekly_end = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    jobs = [
        running(JobName.WEEKLY_EVENTS, weekly_end, NOW - timedelta(hours=2)),
        running(JobName.MONTHLY_EVENTS, datetime(2026, 2, 28, 23, 0, tzinfo=UTC), None),
        running(JobName.CLEANUP, datetime(2026, 3, 3, 1, 0, tzinfo=UTC), None),
    ]
    cleanup = uuid4()

    alert = stuck_jobs_alert(
        jobs, threshold_minutes=60, now=NOW, zone=BERLIN, base_url=BASE, cleanup_run_id=cleanup
    )

    assert alert.title == (
        "Stuck jobs cleaned up: weekly-events for the week of 2026-02-23, "
        "monthly-events for February 2026, cleanup of 2026-03-03 02:00 CET"
    )
    assert "marked 3 job run(s) failed" in alert.what_happened
    assert all(f"{BASE}/ops/runs/{job.id}" in alert.what_happened for job in jobs)
    assert "2026-03-04T10:00:00.000Z" in alert.what_happened
    assert "started never" in alert.what_happened
    assert alert.job_run_id == cleanup


def test_a_long_list_of_stuck_runs_keeps_the_title_short() -> None:
    jobs = [running(JobName.EMAILS_DISPATCH, NOW - timedelta(hours=h), None) for h in range(2, 8)]

    alert = stuck_jobs_alert(jobs, threshold_minutes=60, now=NOW, zone=UTC, base_url=BASE)

    assert alert.title.endswith(" and 3 more")
    assert alert.title.count("emails-dispatch of") == 3


def test_the_sample_alert_carries_the_instant() -> None:
    assert "2026-03-04T12:00:00.000Z" in sample_alert_body(NOW)
    assert sample_alert(NOW).title == "Test alert"
