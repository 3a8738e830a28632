"""The schedule from settings: one cron expression per job, validated at start.

The scheduler fires by these and the monitor answers `nextRuns` (SPEC 12.1) from the very same
parsed expressions and `cron.next_fire`, so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from sportify_common.cron import CronError, CronExpr, parse_cron
from sportify_common.jobs.names import JobName
from sportify_common.settings import ScheduleSettings, SettingsError

# job → (ScheduleSettings field, environment variable)
SCHEDULE_FIELDS: dict[JobName, tuple[str, str]] = {
    JobName.WEEKLY_EVENTS: ("schedule_weekly_events", "SCHEDULE_WEEKLY_EVENTS"),
    JobName.MONTHLY_EVENTS: ("schedule_monthly_events", "SCHEDULE_MONTHLY_EVENTS"),
    JobName.EMAILS_DISPATCH: ("schedule_emails_dispatch", "SCHEDULE_EMAILS_DISPATCH"),
    JobName.CLEANUP: ("schedule_cleanup", "SCHEDULE_CLEANUP"),
    JobName.RETENTION: ("schedule_retention", "SCHEDULE_RETENTION"),
}


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: JobName
    cron: CronExpr


def scheduled_jobs(settings: ScheduleSettings) -> list[ScheduledJob]:
    """Parse every schedule; a malformed one raises SettingsError naming its variable."""
    jobs: list[ScheduledJob] = []
    problems: list[str] = []
    for name, (field, variable) in SCHEDULE_FIELDS.items():
        expression = str(getattr(settings, field))
        try:
            jobs.append(ScheduledJob(name, parse_cron(expression)))
        except CronError as exc:
            problems.append(f"{variable}: {exc} (got {expression!r})")
    if problems:
        raise SettingsError("invalid configuration: " + "; ".join(problems))
    return jobs
