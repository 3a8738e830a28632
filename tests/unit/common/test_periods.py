from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from sportify_common.periods import (
    PeriodError,
    PeriodKind,
    closed_periods,
    containing,
    fixed_offset_zone,
    latest_closed,
    month_of,
    parse_month,
    parse_week_start,
    period_from_bounds,
    to_wire,
    week_of,
    wire_end,
)
from sportify_common.vocabulary import MONTHLY, WEEKLY

BERLIN = ZoneInfo("Europe/Berlin")
PLUS_60 = fixed_offset_zone(60)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

zones = st.sampled_from(
    [
        UTC,
        PLUS_60,
        fixed_offset_zone(-300),
        fixed_offset_zone(840),
        BERLIN,
        ZoneInfo("America/New_York"),
    ]
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by contract
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_the_spec_example_week_with_offset_plus_60_has_its_wire_bounds() -> None:
    week = week_of(date(2026, 2, 2), PLUS_60)

    assert to_wire(week.start) == "2026-02-01T23:00:00.000Z"
    assert wire_end(week) == "2026-02-08T22:59:59.999Z"


def test_a_week_in_utc_runs_monday_to_monday() -> None:
    week = week_of(date(2026, 2, 4), UTC)

    assert week.start == datetime(2026, 2, 2, tzinfo=UTC)
    assert week.end == datetime(2026, 2, 9, tzinfo=UTC)
    assert week.label == "2026-02-02"


def test_the_week_of_the_spring_change_in_berlin_is_one_hour_short() -> None:
    week = week_of(date(2026, 3, 25), BERLIN)

    assert week.start == datetime(2026, 3, 22, 23, tzinfo=UTC)
    assert week.end == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert week.end - week.start == timedelta(days=7, hours=-1)


def test_the_week_of_the_autumn_change_in_berlin_is_one_hour_long() -> None:
    week = week_of(date(2026, 10, 21), BERLIN)

    assert week.start == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert week.end == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert week.end - week.start == timedelta(days=7, hours=1)


def test_berlin_months_around_both_changes_start_at_local_midnight() -> None:
    march = month_of(date(2026, 3, 1), BERLIN)
    april = month_of(date(2026, 4, 1), BERLIN)
    october = month_of(date(2026, 10, 1), BERLIN)

    assert march.start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert march.end == april.start == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert october.end == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert april.label == "2026-04"


def test_december_rolls_into_the_next_year() -> None:
    december = month_of(date(2026, 12, 15), UTC)

    assert december.end == datetime(2027, 1, 1, tzinfo=UTC)


def test_an_instant_on_the_boundary_belongs_to_the_later_period() -> None:
    week = week_of(date(2026, 2, 2), PLUS_60)

    assert containing(PeriodKind.WEEKLY, week.end, PLUS_60).start == week.end
    assert containing(PeriodKind.WEEKLY, week.end - timedelta(microseconds=1), PLUS_60) == week
    assert containing(PeriodKind.WEEKLY, week.start, PLUS_60) == week


@given(instant=instants, zone=zones, kind=st.sampled_from(PeriodKind))
def test_the_containing_period_contains_the_instant_and_starts_at_local_midnight(
    instant: datetime, zone: ZoneInfo, kind: PeriodKind
) -> None:
    period = containing(kind, instant, zone)

    assert period.start <= instant < period.end
    local_start = period.start.astimezone(zone)
    assert (local_start.hour, local_start.minute) == (0, 0)
    if kind is PeriodKind.WEEKLY:
        assert local_start.weekday() == 0
    else:
        assert local_start.day == 1


@given(instant=instants, zone=zones, kind=st.sampled_from(PeriodKind))
def test_the_latest_closed_period_ended_before_now_and_its_successor_has_not(
    instant: datetime, zone: ZoneInfo, kind: PeriodKind
) -> None:
    closed = latest_closed(kind, instant, zone)

    assert closed.end <= instant
    assert containing(kind, closed.end, zone).end > instant


@given(instant=instants, zone=zones, count=st.integers(0, 6))
def test_closed_periods_are_consecutive_and_oldest_first(
    instant: datetime, zone: ZoneInfo, count: int
) -> None:
    periods = closed_periods(PeriodKind.MONTHLY, instant, zone, count)

    assert len(periods) == count
    for earlier, later in itertools.pairwise(periods):
        assert earlier.end == later.start


def test_a_week_start_that_is_not_a_monday_is_refused() -> None:
    with pytest.raises(PeriodError, match="not a Monday"):
        parse_week_start("2026-02-03", UTC, NOW, name=WEEKLY.query_param)


@pytest.mark.parametrize(
    "value",
    ["2026-2-2", "2026-02-30", "x", "", "2026-02-02T00:00", "\uff12\uff10\uff12\uff16-02-02"],
)
def test_a_malformed_week_start_is_refused(value: str) -> None:
    with pytest.raises(PeriodError):
        parse_week_start(value, UTC, NOW, name=WEEKLY.query_param)


@pytest.mark.parametrize(("week", "month"), [("9999-12-27", "9999-12"), ("0001-01-01", "0001-01")])
def test_years_at_the_edge_of_the_calendar_are_refused(week: str, month: str) -> None:
    with pytest.raises(PeriodError, match="outside the years"):
        parse_week_start(week, fixed_offset_zone(60), NOW, name=WEEKLY.query_param)
    with pytest.raises(PeriodError, match="outside the years"):
        parse_month(month, fixed_offset_zone(60), NOW, name=MONTHLY.query_param)


def test_a_week_that_has_not_ended_is_refused() -> None:
    with pytest.raises(PeriodError, match="has not ended"):
        parse_week_start("2026-11-30", UTC, NOW, name=WEEKLY.query_param)


def test_the_week_that_ended_just_now_is_accepted() -> None:
    week = parse_week_start(
        "2026-11-23", UTC, datetime(2026, 11, 30, tzinfo=UTC), name=WEEKLY.query_param
    )

    assert week.end == datetime(2026, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2026-13", "2026-00", "2026-1", "26-01", "2026-01-01", "0000-01"]
)
def test_a_malformed_month_is_refused(value: str) -> None:
    with pytest.raises(PeriodError):
        parse_month(value, UTC, NOW, name=MONTHLY.query_param)


def test_the_current_month_is_refused_and_the_last_one_accepted() -> None:
    with pytest.raises(PeriodError):
        parse_month("2026-11", UTC, NOW, name=MONTHLY.query_param)

    assert parse_month("2026-10", UTC, NOW, name=MONTHLY.query_param).label == "2026-10"


def test_bounds_that_are_not_a_period_are_refused() -> None:
    week = week_of(date(2026, 2, 2), BERLIN)

    assert period_from_bounds(PeriodKind.WEEKLY, week.start, week.end, BERLIN) == week
    with pytest.raises(PeriodError):
        period_from_bounds(PeriodKind.WEEKLY, week.start, week.end, UTC)


def test_the_wire_format_has_milliseconds_and_z() -> None:
    instant = datetime(2026, 2, 2, 3, 4, 5, 678901, tzinfo=PLUS_60)

    assert to_wire(instant) == "2026-02-02T02:04:05.678Z"
