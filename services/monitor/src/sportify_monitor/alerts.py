"""What the monitor says in its alerts and cleanup records. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from uuid import UUID

from sportify_common.emails.alert import Alert, run_links, run_phrase
from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import to_wire

STUCK_JOBS_TITLE = "Stuck jobs cleaned up"
TEST_ALERT_TITLE = "Test alert"
_TITLE_RUNS = 3


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
    jobs: Sequence[JobRunRow],
    *,
    threshold_minutes: float,
    now: datetime,
    zone: tzinfo,
    base_url: str,
    cleanup_run_id: UUID | None = None,
) -> Alert:
    """The one alert a cleanup raises when it cleaned anything; its title names each run's
    job and period (up to three, then how many more), so another set of stuck runs is
    another alert."""
    phrases = [run_phrase(str(job.job_name), job.scheduled_for, zone) for job in jobs]
    shown = ", ".join(phrases[:_TITLE_RUNS])
    more = len(phrases) - _TITLE_RUNS
    title = f"{STUCK_JOBS_TITLE}: {shown}" + (f" and {more} more" if more > 0 else "")
    lines = [
        f"The cleanup at {to_wire(now)} marked {len(jobs)} job run(s) failed because they were "
        f"still running more than {_minutes(threshold_minutes)} after they started:",
    ]
    lines.extend(
        f"- {phrase} (run {job.id}), scheduled for {to_wire(job.scheduled_for)}, "
        f"started {to_wire(job.started_at) if job.started_at else 'never'}: "
        f"{run_links(base_url, job.id).console}"
        for phrase, job in zip(phrases, jobs, strict=True)
    )
    return Alert(
        title=title,
        what_happened="\n".join(lines),
        severity="warning",
        job_run_id=cleanup_run_id,
        hints=(
            "a stuck evaluation is simply run again by its next trigger (failed runs are re-run)",
            "the aggregator's log around each run's start, and its JOB_TIMEOUT_SECONDS",
        ),
    )


def sample_alert_body(now: datetime) -> str:
    return (
        f"This is a test alert requested through the admin API at {to_wire(now)}. "
        "If you read this, alerts reach you."
    )


def sample_alert(now: datetime) -> Alert:
    return Alert(title=TEST_ALERT_TITLE, what_happened=sample_alert_body(now), severity="info")
