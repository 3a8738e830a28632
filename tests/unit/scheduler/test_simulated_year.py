"""A year in Europe/Berlin driven through the pure schedule: each period evaluated once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sportify_common.cron import next_fire
from sportify_common.jobs.names import JobName
from sportify_common.periods import Period, month_of, week_of
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.settings import Settings
from sportify_scheduler.plan import Slot, slot_for

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 2026-01-01 00:00 CET
END = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 2027-01-01 00:00 CET


def simulate(job: JobName) -> list[Slot]:
    cron = next(j.cron for j in scheduled_jobs(Settings()) if j.name is job)
    slots: list[Slot] = []
    instant = START - timedelta(microseconds=1)
    while (instant := next_fire(cron, instant, BERLIN)) < END:
        slots.append(slot_for(job, instant, BERLIN))
    return slots


def periods_closing_in_2026(kind: str) -> list[Period]:
    periods: list[Period] = []
    day = date(2025, 12, 1)
    while day < date(2027, 1, 1):
        period = week_of(day, BERLIN) if kind == "weekly" else month_of(day, BERLIN)
        if START <= period.end < END and period not in periods:
            periods.append(period)
        day = period.end.astimezone(BERLIN).date()
    return periods


def test_every_week_of_the_year_is_evaluated_exactly_once() -> None:
    slots = simulate(JobName.WEEKLY_EVENTS)

    targets = [s.period for s in slots]
    assert Counter(s.scheduled_for for s in slots).most_common(1)[0][1] == 1
    assert targets == periods_closing_in_2026("weekly")
    assert len(targets) == 52
    assert all(s.period is not None and s.scheduled_for == s.period.end for s in slots)


def test_every_month_of_the_year_is_evaluated_exactly_once() -> None:
    slots = simulate(JobName.MONTHLY_EVENTS)

    assert [s.period for s in slots] == periods_closing_in_2026("monthly")
    assert [s.period.label for s in slots if s.period] == [
        "2025-12",
        *(f"2026-{m:02d}" for m in range(1, 12)),
    ]
    assert [s.fire_at.astimezone(BERLIN).day for s in slots] == [1] * 12


def test_weeks_around_both_daylight_saving_changes_are_evaluated_at_local_five_past_midnight() -> (
    None
):
    slots = simulate(JobName.WEEKLY_EVENTS)

    by_label = {s.period.label: s for s in slots if s.period}
    spring = by_label["2026-03-23"]  # contains 2026-03-29, 23 hours shorter by one
    autumn = by_label["2026-10-19"]  # contains 2026-10-25, one hour longer
    assert spring.period is not None
    assert autumn.period is not None
    assert spring.period.end - spring.period.start == timedelta(hours=7 * 24 - 1)
    assert autumn.period.end - autumn.period.start == timedelta(hours=7 * 24 + 1)
    assert all(
        (s.fire_at.astimezone(BERLIN).hour, s.fire_at.astimezone(BERLIN).minute) == (0, 5)
        for s in slots
    )


def test_the_daily_cleanup_fires_once_on_every_local_day_including_both_changes() -> None:
    slots = simulate(JobName.CLEANUP)

    local_days = [s.fire_at.astimezone(BERLIN).date() for s in slots]
    assert len(local_days) == len(set(local_days)) == 365
    assert slots[0].fire_at.astimezone(BERLIN).date() == date(2026, 1, 1)
    spring = next(s for s in slots if s.fire_at.astimezone(BERLIN).date() == date(2026, 3, 29))
    assert spring.fire_at == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST


def test_quarter_hourly_dispatch_slots_are_unique_and_skip_only_the_gap() -> None:
    slots = simulate(JobName.EMAILS_DISPATCH)

    instants = [s.scheduled_for for s in slots]
    assert instants == sorted(set(instants))
    assert len(instants) == 365 * 96 - 4
