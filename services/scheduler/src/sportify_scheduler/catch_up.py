"""Which closed periods the scheduler must still evaluate after downtime (SPEC 4.6). Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sportify_common.cron import CronExpr, next_fire
from sportify_common.jobs.names import JobName
from sportify_common.pauses import PauseHistory
from sportify_common.periods import Period, closed_periods
from sportify_scheduler.plan import PERIOD_KINDS


@dataclass(frozen=True, slots=True)
class MissedPeriod:
    job: JobName
    period: Period


def candidate_periods(now: datetime, zone: tzinfo, depth: int) -> list[MissedPeriod]:
    """The last `depth` closed weeks and months, oldest first."""
    candidates = [
        MissedPeriod(job, period)
        for job, kind in PERIOD_KINDS.items()
        for period in closed_periods(kind, now, zone, depth)
    ]
    return sorted(candidates, key=lambda m: (m.period.end, m.job.value))


def missed_periods(
    now: datetime,
    zone: tzinfo,
    completed: Collection[tuple[JobName, datetime]],
    depth: int,
) -> list[MissedPeriod]:
    """Candidates without a completed run; `completed` holds (job, period end) pairs."""
    done = set(completed)
    return [m for m in candidate_periods(now, zone, depth) if (m.job, m.period.end) not in done]


def closing_slot(cron: CronExpr, period: Period, zone: tzinfo) -> datetime:
    """The slot that evaluates `period` on schedule: the first fire at or after its end."""
    return next_fire(cron, period.end - timedelta(microseconds=1), zone)


def owed_periods(
    missed: Collection[MissedPeriod],
    *,
    crons: Mapping[JobName, CronExpr],
    pauses: Mapping[JobName, PauseHistory],
    zone: tzinfo,
) -> tuple[list[MissedPeriod], list[MissedPeriod]]:
    """(owed, paused): a missed period whose closing slot fell while its job was paused is
    never caught up (SPEC 4.6, 12.1): the slot was skipped on purpose."""
    owed: list[MissedPeriod] = []
    paused: list[MissedPeriod] = []
    for m in missed:
        history = pauses.get(m.job, PauseHistory())
        skipped = history.paused_at(closing_slot(crons[m.job], m.period, zone))
        (paused if skipped else owed).append(m)
    return owed, paused
