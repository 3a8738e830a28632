"""Which periods a backfill covers and what it does with each (SPEC 12.2). Pure.

`reprocess` decides per period, from the status of the period's existing run:

| existing run | `missing` | `failed` | `all` |
|---|---|---|---|
| none | run | run | run |
| `failed` | skip | run | run |
| `completed` | skip | skip | run (forced) |
| `pending` / `running` | skip | skip | skip |

`missing` fills only the gaps (periods without any run), `failed` also retries the failed
ones, `all` recomputes everything (the claim is forced). A period whose run is pending or
running belongs to whoever claimed it: the backfill does not wait for it and skips it
(`already-running`), so it never overlaps a scheduled run of the same period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.periods import (
    Period,
    PeriodError,
    PeriodKind,
    parse_month,
    parse_week_start,
    period_of,
    to_wire,
    wire_end,
)
from sportify_common.vocabulary import EVALUATED_BY_JOB, Reprocess

MAX_PERIODS: Final = 104
"""At most this many periods in one backfill (two years of weeks)."""


class Action(StrEnum):
    RUN = "run"
    SKIP = "skip"


class Outcome(StrEnum):
    """What became of one period of a backfill (its `outcome`; null while not reached)."""

    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class PlanError(ValueError):
    """A backfill request that cannot be planned (400 with this message)."""


@dataclass(frozen=True, slots=True)
class PlannedPeriod:
    period: Period
    existing_status: JobStatus | None
    action: Action
    reason: str | None
    """Why it is skipped (`already-completed`, `already-failed`, `already-running`)."""

    def to_wire(self) -> dict[str, str | None]:
        """The dry run's and the backfill's entry: periodStart, periodEnd, existingStatus, action."""
        return {
            "periodStart": to_wire(self.period.start),
            "periodEnd": wire_end(self.period),
            "existingStatus": self.existing_status.value if self.existing_status else None,
            "action": self.action.value,
        }


def decide(existing: JobStatus | None, reprocess: Reprocess) -> tuple[Action, str | None]:
    """The table of the module docstring."""
    if existing is None:
        return Action.RUN, None
    if existing in (JobStatus.PENDING, JobStatus.RUNNING):
        return Action.SKIP, "already-running"
    if existing is JobStatus.FAILED:
        if reprocess is Reprocess.MISSING:
            return Action.SKIP, "already-failed"
        return Action.RUN, None
    if reprocess is Reprocess.ALL:
        return Action.RUN, None
    return Action.SKIP, "already-completed"


def kind_of(job_name: JobName) -> PeriodKind:
    evaluated = EVALUATED_BY_JOB.get(job_name)
    if evaluated is None:
        raise PlanError(f"jobName must be weekly-events or monthly-events, got {job_name}")
    return evaluated.kind


def parse_bound(kind: PeriodKind, value: str, zone: tzinfo, now: datetime, *, name: str) -> Period:
    """`from` / `to`: a local Monday YYYY-MM-DD (weekly) or YYYY-MM (monthly), already ended."""
    if not value.isascii():
        raise PlanError(f"{name} must use the digits 0-9, got {value[:40]!r}")
    try:
        if kind is PeriodKind.WEEKLY:
            return parse_week_start(value, zone, now, name=name)
        return parse_month(value, zone, now, name=name)
    except PeriodError as exc:
        raise PlanError(str(exc)) from exc
    except (ValueError, OverflowError) as exc:
        raise PlanError(f"{name} {value!r} is outside the supported range") from exc


def periods_between(first: Period, last: Period, zone: tzinfo) -> list[Period]:
    """Every period from `first` to `last` (both included), oldest first; at most MAX_PERIODS."""
    if first.start > last.start:
        raise PlanError(f"from {first.label} is after to {last.label}")
    periods: list[Period] = []
    current = first
    while current.start <= last.start:
        if len(periods) == MAX_PERIODS:
            raise PlanError(
                f"a backfill covers at most {MAX_PERIODS} periods; "
                f"{first.label}..{last.label} has more"
            )
        periods.append(current)
        current = period_of(current.kind, _next_day(current), zone)
    return periods


def _next_day(period: Period) -> date:
    if period.kind is PeriodKind.WEEKLY:
        return period.first_day + timedelta(days=7)
    day = period.first_day
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def plan(
    periods: list[Period],
    existing: Mapping[datetime, JobStatus],
    reprocess: Reprocess,
) -> list[PlannedPeriod]:
    """Each period (oldest first) with its run's status (`existing`, by scheduled_for = end)
    and what the backfill does with it."""
    planned: list[PlannedPeriod] = []
    for period in periods:
        status = existing.get(period.end)
        action, reason = decide(status, reprocess)
        planned.append(PlannedPeriod(period, status, action, reason))
    return planned
