"""The backfill's planning rules (SPEC 12.2): which periods, and run or skip under `reprocess`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sportify_common.backfill_plan import (
    MAX_PERIODS,
    Action,
    PlanError,
    decide,
    parse_bound,
    periods_between,
    plan,
)
from sportify_common.jobs.names import JobStatus
from sportify_common.periods import PeriodKind, week_of
from sportify_common.vocabulary import Reprocess

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("existing", "reprocess", "action"),
    [
        (None, Reprocess.MISSING, Action.RUN),
        (None, Reprocess.FAILED, Action.RUN),
        (None, Reprocess.ALL, Action.RUN),
        (JobStatus.FAILED, Reprocess.MISSING, Action.SKIP),
        (JobStatus.FAILED, Reprocess.FAILED, Action.RUN),
        (JobStatus.FAILED, Reprocess.ALL, Action.RUN),
        (JobStatus.COMPLETED, Reprocess.MISSING, Action.SKIP),
        (JobStatus.COMPLETED, Reprocess.FAILED, Action.SKIP),
        (JobStatus.COMPLETED, Reprocess.ALL, Action.RUN),
        (JobStatus.RUNNING, Reprocess.ALL, Action.SKIP),
        (JobStatus.PENDING, Reprocess.ALL, Action.SKIP),
    ],
)
def test_reprocess_decides_each_period_from_its_runs_status(
    existing: JobStatus | None, reprocess: Reprocess, action: Action
) -> None:
    assert decide(existing, reprocess)[0] is action


def test_eight_weeks_are_listed_oldest_first() -> None:
    first = parse_bound(PeriodKind.WEEKLY, "2026-01-05", UTC, NOW, name="from")
    last = parse_bound(PeriodKind.WEEKLY, "2026-02-23", UTC, NOW, name="to")

    periods = periods_between(first, last, UTC)

    assert [p.first_day for p in periods][:2] == [date(2026, 1, 5), date(2026, 1, 12)]
    assert len(periods) == 8


def test_months_cross_the_year() -> None:
    first = parse_bound(PeriodKind.MONTHLY, "2025-11", UTC, NOW, name="from")
    last = parse_bound(PeriodKind.MONTHLY, "2026-02", UTC, NOW, name="to")

    assert [p.label for p in periods_between(first, last, UTC)] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_more_than_104_periods_are_refused() -> None:
    first = week_of(date(2023, 1, 2), UTC)
    last = week_of(date(2026, 2, 23), UTC)

    with pytest.raises(PlanError, match=str(MAX_PERIODS)):
        periods_between(first, last, UTC)


def test_from_after_to_is_refused() -> None:
    with pytest.raises(PlanError, match="after"):
        periods_between(week_of(date(2026, 2, 2), UTC), week_of(date(2026, 1, 5), UTC), UTC)


@pytest.mark.parametrize("value", ["2026-03-02", "2026-01-06", "2026-1-5", "٢٠٢٦-01-05"])
def test_an_open_week_or_a_non_monday_is_refused(value: str) -> None:
    with pytest.raises(PlanError):
        parse_bound(PeriodKind.WEEKLY, value, UTC, NOW, name="from")


def test_the_plan_carries_each_periods_existing_status() -> None:
    periods = [week_of(date(2026, 1, 5), UTC), week_of(date(2026, 1, 12), UTC)]

    planned = plan(periods, {periods[1].end: JobStatus.COMPLETED}, Reprocess.MISSING)

    assert [p.to_wire()["existingStatus"] for p in planned] == [None, "completed"]
    assert [p.action for p in planned] == [Action.RUN, Action.SKIP]
