from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sportify_common.jobs.names import JobName
from sportify_common.periods import PeriodKind, closed_periods
from sportify_scheduler.catch_up import candidate_periods, missed_periods

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday


def test_without_completed_runs_the_last_weeks_and_months_are_missed() -> None:
    missed = missed_periods(NOW, BERLIN, set(), 2)

    weeks = [m.period.label for m in missed if m.job is JobName.WEEKLY_EVENTS]
    months = [m.period.label for m in missed if m.job is JobName.MONTHLY_EVENTS]
    assert weeks == ["2026-02-16", "2026-02-23"]
    assert months == ["2026-01", "2026-02"]


def test_a_completed_period_is_not_missed() -> None:
    last_week = closed_periods(PeriodKind.WEEKLY, NOW, BERLIN, 1)[0]

    missed = missed_periods(NOW, BERLIN, {(JobName.WEEKLY_EVENTS, last_week.end)}, 2)

    assert [(m.job, m.period.label) for m in missed] == [
        (JobName.MONTHLY_EVENTS, "2026-01"),
        (JobName.WEEKLY_EVENTS, "2026-02-16"),
        (JobName.MONTHLY_EVENTS, "2026-02"),
    ]


def test_a_completed_week_does_not_hide_the_month_ending_at_the_same_instant() -> None:
    now = datetime(2026, 6, 2, 12, tzinfo=UTC)  # June 1st 2026 is a Monday
    week = closed_periods(PeriodKind.WEEKLY, now, BERLIN, 1)[0]
    month = closed_periods(PeriodKind.MONTHLY, now, BERLIN, 1)[0]
    assert week.end == month.end

    missed = missed_periods(now, BERLIN, {(JobName.WEEKLY_EVENTS, week.end)}, 1)

    assert [(m.job, m.period.label) for m in missed] == [(JobName.MONTHLY_EVENTS, "2026-05")]


def test_depth_zero_catches_up_nothing() -> None:
    assert missed_periods(NOW, BERLIN, set(), 0) == []


def test_candidates_are_ordered_oldest_first() -> None:
    ends = [c.period.end for c in candidate_periods(NOW, BERLIN, 3)]

    assert ends == sorted(ends)
    assert len(ends) == 6


def test_a_period_that_has_not_ended_is_never_a_candidate() -> None:
    assert all(c.period.end <= NOW for c in candidate_periods(NOW, BERLIN, 5))
