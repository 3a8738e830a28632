from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sportify_common.jobs.names import JobName
from sportify_common.pauses import PauseHistory, Transition
from sportify_common.periods import PeriodKind, closed_periods
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.settings import load_settings
from sportify_scheduler.catch_up import (
    candidate_periods,
    closing_slot,
    missed_periods,
    owed_periods,
)

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


def test_a_missed_period_whose_closing_slot_fell_while_paused_is_not_owed() -> None:
    crons = {job.name: job.cron for job in scheduled_jobs(load_settings())}
    missed = missed_periods(NOW, BERLIN, set(), 2)
    week = next(m for m in missed if m.job is JobName.WEEKLY_EVENTS)
    slot = closing_slot(crons[JobName.WEEKLY_EVENTS], week.period, BERLIN)
    pauses = {
        JobName.WEEKLY_EVENTS: PauseHistory.of(
            [
                Transition(slot - timedelta(minutes=1), True),
                Transition(slot + timedelta(minutes=1), False),
            ]
        )
    }

    owed, paused = owed_periods(missed, crons=crons, pauses=pauses, zone=BERLIN)

    assert slot == week.period.end + timedelta(minutes=5)
    assert paused == [week]
    assert owed == [m for m in missed if m != week]


def test_a_pause_that_ended_before_the_closing_slot_keeps_the_period_owed() -> None:
    crons = {job.name: job.cron for job in scheduled_jobs(load_settings())}
    missed = missed_periods(NOW, BERLIN, set(), 2)
    week = next(m for m in missed if m.job is JobName.WEEKLY_EVENTS)
    slot = closing_slot(crons[JobName.WEEKLY_EVENTS], week.period, BERLIN)
    pauses = {
        JobName.WEEKLY_EVENTS: PauseHistory.of(
            [Transition(week.period.end, True), Transition(slot - timedelta(seconds=1), False)]
        )
    }

    owed, paused = owed_periods(missed, crons=crons, pauses=pauses, zone=BERLIN)

    assert paused == []
    assert owed == missed
