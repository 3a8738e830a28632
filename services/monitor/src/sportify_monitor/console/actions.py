"""Triggering a job from the console: the same functions as POST /api/events/* (`triggers`,
`cleanup`), so a run started here is claimed, published and awaited exactly like one started
by cron or the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sportify_common.jobs.names import JobName, Trigger
from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import PeriodKind, containing
from sportify_monitor import triggers
from sportify_monitor.cleanup import cleanup_now
from sportify_monitor.context import Monitor
from sportify_monitor.errors import bad_request

DISPATCH_LIMIT: Final = 25
"""What POST /api/events/emails/dispatch sends by default."""

PERIOD_KINDS: Final = {
    JobName.WEEKLY_EVENTS: PeriodKind.WEEKLY,
    JobName.MONTHLY_EVENTS: PeriodKind.MONTHLY,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    run_id: str | None
    message: str


def period_label(run: JobRunRow, kind: PeriodKind, monitor: Monitor) -> str:
    """The `weekStart` / `month` of a weekly or monthly run (its period ends at scheduled_for)."""
    last_instant = run.scheduled_for - timedelta(microseconds=1)
    return containing(kind, last_instant, monitor.settings.zone).label


def _sentence(job: JobName, body: dict[str, Any]) -> str:
    status = body.get("status")
    if body.get("skipped"):
        return f"{job} skipped: {body.get('reason', 'nothing to do')}."
    if status == "accepted":
        return f"{job} started; it is still running."
    if status == "failed":
        error = body.get("error") or {}
        return f"{job} failed: {error.get('message') or error.get('type') or 'see the run'}."
    return f"{job} completed."


async def trigger(monitor: Monitor, job: JobName, *, force: bool, label: str | None) -> Outcome:
    if job is JobName.CLEANUP:
        outcome = await cleanup_now(monitor, trigger=Trigger.ADMIN)
        return Outcome(str(outcome.run_id), f"cleanup completed: {len(outcome.cleaned)} cleaned.")
    if job is JobName.EMAILS_DISPATCH:
        answer = await triggers.trigger_dispatch(monitor, limit=DISPATCH_LIMIT)
    elif job is JobName.RETENTION:
        answer = await triggers.trigger_retention(monitor)
    elif job in PERIOD_KINDS:
        answer = await triggers.trigger_period(
            monitor, PERIOD_KINDS[job], force=force, explicit=label or None
        )
    else:  # pragma: no cover - JobName has no other member
        raise bad_request(f"{job} cannot be triggered.")
    run_id = answer.body.get("jobRunId")
    return Outcome(str(run_id) if run_id else None, _sentence(job, answer.body))
