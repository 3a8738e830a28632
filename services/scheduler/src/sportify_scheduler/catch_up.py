"""Which closed periods the scheduler must still evaluate after downtime (SPEC 4.6). Pure."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sportify_common.jobs.names import JobName
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
