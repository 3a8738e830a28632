"""What the monitor says in its alerts and cleanup records. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import to_wire

STUCK_JOBS_TITLE = "Stuck jobs cleaned up"
TEST_ALERT_TITLE = "Test alert"


def _minutes(threshold_minutes: float) -> str:
    whole = int(threshold_minutes)
    value = str(whole) if whole == threshold_minutes else f"{threshold_minutes:g}"
    return f"{value} minute" if value == "1" else f"{value} minutes"


def stuck_reason(threshold_minutes: float) -> str:
    """The `metadata.cleanup_reason` of a run the cleanup marked failed."""
    return (
        f"Marked failed by cleanup: still running more than {_minutes(threshold_minutes)} "
        "after it started (STUCK_JOB_THRESHOLD_MINUTES)."
    )


def stuck_jobs_alert(
    jobs: Sequence[JobRunRow], *, threshold_minutes: float, now: datetime
) -> tuple[str, str]:
    """Title and body of the one alert a cleanup raises when it cleaned anything."""
    lines = [
        f"The cleanup at {to_wire(now)} marked {len(jobs)} job run(s) failed because they were "
        f"still running more than {_minutes(threshold_minutes)} after they started:",
        "",
    ]
    lines.extend(
        f"- {job.job_name} (run {job.id}), scheduled for {to_wire(job.scheduled_for)}, "
        f"started {to_wire(job.started_at) if job.started_at else 'never'}"
        for job in jobs
    )
    return STUCK_JOBS_TITLE, "\n".join(lines)


def sample_alert_body(now: datetime) -> str:
    return (
        f"This is a test alert requested through the admin API at {to_wire(now)}. "
        "If you read this, alert emails reach their recipient."
    )
