from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from sportify_common.cron import CronError, local_instant, next_fire, next_fires, parse_cron

BERLIN = ZoneInfo("Europe/Berlin")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def test_a_star_field_holds_every_value() -> None:
    cron = parse_cron("* * * * *")

    assert cron.minutes == tuple(range(60))
    assert cron.hours == tuple(range(24))
    assert cron.days == frozenset(range(1, 32))
    assert cron.weekdays == frozenset(range(7))


def test_lists_ranges_and_steps_combine() -> None:
    cron = parse_cron("0,30 8-10 1-10/3 */4 *")

    assert cron.minutes == (0, 30)
    assert cron.hours == (8, 9, 10)
    assert cron.days == frozenset({1, 4, 7, 10})
    assert cron.months == frozenset({1, 5, 9})


def test_a_start_with_a_step_runs_to_the_end_of_the_field() -> None:
    assert parse_cron("50/5 * * * *").minutes == (50, 55)


def test_sunday_is_both_0_and_7() -> None:
    assert parse_cron("0 0 * * 0").weekdays == parse_cron("0 0 * * 7").weekdays == {0}


def test_month_and_weekday_names_are_accepted() -> None:
    cron = parse_cron("0 0 * jan-mar mon,FRI")

    assert cron.months == frozenset({1, 2, 3})
    assert cron.weekdays == frozenset({1, 5})


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "*/0 * * * *",
        "5-1 * * * *",
        "a * * * *",
        "1,,2 * * * *",
        "0 0 31 2 *",
        "0 0 30 2 *",
    ],
)
def test_a_malformed_expression_is_refused(expression: str) -> None:
    with pytest.raises(CronError):
        parse_cron(expression)


def test_restricted_day_of_month_and_weekday_match_either_as_in_vixie_cron() -> None:
    cron = parse_cron("0 0 13 * 5")

    assert cron.matches_day(date(2026, 2, 13))  # a Friday the 13th
    assert cron.matches_day(date(2026, 3, 13))  # a Friday, too
    assert cron.matches_day(date(2026, 4, 13))  # a Monday, but the 13th
    assert cron.matches_day(date(2026, 4, 17))  # a Friday, not the 13th
    assert not cron.matches_day(date(2026, 4, 14))


def test_a_starred_day_field_with_a_step_makes_both_fields_apply() -> None:
    cron = parse_cron("0 0 */2 * 1")

    assert cron.matches_day(date(2026, 2, 9))  # Monday, odd day
    assert not cron.matches_day(date(2026, 2, 16))  # Monday, even day
    assert not cron.matches_day(date(2026, 2, 11))  # odd day, Wednesday


def test_the_default_weekly_schedule_fires_on_monday_at_five_past_midnight_local() -> None:
    fire = next_fire("5 0 * * 1", utc(2026, 2, 4, 12), BERLIN)

    assert fire == utc(2026, 2, 8, 23, 5)


def test_the_default_monthly_schedule_fires_on_the_first_at_ten_past_midnight_local() -> None:
    fire = next_fire("10 0 1 * *", utc(2026, 6, 15), BERLIN)

    assert fire == utc(2026, 6, 30, 22, 10)


def test_next_fire_is_strictly_after_the_given_instant() -> None:
    assert next_fire("*/15 * * * *", utc(2026, 5, 1, 10, 15), UTC) == utc(2026, 5, 1, 10, 30)


def test_next_fire_honours_seconds_inside_a_minute() -> None:
    after = utc(2026, 5, 1, 10, 14, 59, 999999)

    assert next_fire("*/15 * * * *", after, UTC) == utc(2026, 5, 1, 10, 15)


def test_a_fixed_positive_offset_shifts_the_fire_into_the_previous_utc_day() -> None:
    plus_one = timezone(timedelta(minutes=60))

    assert next_fire("5 0 * * 1", utc(2026, 2, 4), plus_one) == utc(2026, 2, 8, 23, 5)


def test_a_fixed_negative_offset_shifts_the_fire_later_in_utc() -> None:
    minus_five_thirty = timezone(-timedelta(hours=5, minutes=30))

    assert next_fire("0 2 * * *", utc(2026, 2, 4), minus_five_thirty) == utc(2026, 2, 4, 7, 30)


def test_a_time_in_the_spring_gap_fires_once_at_the_end_of_the_gap() -> None:
    fire = next_fire("0 2 * * *", utc(2026, 3, 28, 12), BERLIN)

    assert fire == utc(2026, 3, 29, 1)  # 03:00 CEST, the first instant after 02:00-03:00
    assert fire.astimezone(BERLIN).hour == 3
    assert next_fire("0 2 * * *", fire, BERLIN) == utc(2026, 3, 30, 0)  # 02:00 CEST next day


def test_half_past_two_in_the_spring_gap_also_fires_at_the_end_of_the_gap() -> None:
    fire = next_fire("30 2 * * *", utc(2026, 3, 28, 12), BERLIN)

    assert fire == utc(2026, 3, 29, 1)
    assert next_fire("30 2 * * *", fire, BERLIN) == utc(2026, 3, 30, 0, 30)


def test_a_time_that_occurs_twice_in_autumn_fires_only_at_its_first_occurrence() -> None:
    first = next_fire("30 2 * * *", utc(2026, 10, 24, 12), BERLIN)

    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    assert next_fire("30 2 * * *", first, BERLIN) == utc(2026, 10, 26, 1, 30)  # not 01:30Z


def test_two_oclock_in_autumn_fires_once() -> None:
    first = next_fire("0 2 * * *", utc(2026, 10, 24, 12), BERLIN)

    assert first == utc(2026, 10, 25, 0)
    assert next_fire("0 2 * * *", first, BERLIN) == utc(2026, 10, 26, 1)


def test_a_quarter_hourly_schedule_collapses_the_spring_gap_into_one_fire() -> None:
    fires = [utc(2026, 3, 29, 0, 30)]
    for _ in range(4):
        fires.append(next_fire("*/15 * * * *", fires[-1], BERLIN))

    assert fires[1:] == [
        utc(2026, 3, 29, 0, 45),  # 01:45 CET
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST (02:00-02:45 fall into the gap)
        utc(2026, 3, 29, 1, 15),
        utc(2026, 3, 29, 1, 30),
    ]


def test_a_quarter_hourly_schedule_does_not_repeat_the_autumn_hour() -> None:
    fires = [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST
    for _ in range(3):
        fires.append(next_fire("*/15 * * * *", fires[-1], BERLIN))

    assert fires[1:] == [
        utc(2026, 10, 25, 0, 45),  # 02:45 CEST
        utc(2026, 10, 25, 2, 0),  # 03:00 CET; 02:00-02:45 CET already ran as CEST
        utc(2026, 10, 25, 2, 15),
    ]


def test_starting_inside_the_repeated_hour_waits_for_the_next_new_wall_time() -> None:
    inside_second_pass = utc(2026, 10, 25, 1, 10)  # 02:10 CET, second occurrence

    assert next_fire("*/15 * * * *", inside_second_pass, BERLIN) == utc(2026, 10, 25, 2, 0)


def test_a_local_time_resolves_through_the_zone_offset() -> None:
    assert local_instant(date(2026, 7, 1), 12, 0, BERLIN) == utc(2026, 7, 1, 10)
    assert local_instant(date(2026, 1, 1), 12, 0, BERLIN) == utc(2026, 1, 1, 11)


def test_a_gap_crossing_midnight_fires_at_its_end() -> None:
    # America/Havana springs forward at 00:00 -> 01:00 (2026-03-08).
    havana = ZoneInfo("America/Havana")

    fire = next_fire("0 0 * * *", utc(2026, 3, 7, 12), havana)

    assert fire.astimezone(havana).replace(tzinfo=None) == datetime(2026, 3, 8, 1, 0)  # noqa: DTZ001


def test_the_29th_of_february_is_found_years_ahead() -> None:
    assert next_fire("0 0 29 2 *", utc(2026, 1, 1), UTC) == utc(2028, 2, 29)


@given(
    after=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2028, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    expression=st.sampled_from(
        ["5 0 * * 1", "10 0 1 * *", "*/15 * * * *", "0 2 * * *", "30 2 * * *"]
    ),
)
def test_next_fire_is_a_matching_wall_time_after_the_instant(
    after: datetime, expression: str
) -> None:
    cron = parse_cron(expression)

    fire = next_fire(cron, after, BERLIN)

    local = fire.astimezone(BERLIN)
    assert fire > after
    assert fire - after <= timedelta(days=32)
    assert cron.matches_day(local.date())
    in_gap = local.hour == 3 and local.minute == 0 and 2 in cron.hours
    assert in_gap or (local.hour in cron.hours and local.minute in cron.minutes)


def test_next_fires_lists_what_next_fire_gives_in_turn() -> None:
    after = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    zone = ZoneInfo("Europe/Berlin")

    fires = next_fires("0 2 * * *", after, zone, 3)

    assert fires[0] == next_fire("0 2 * * *", after, zone)
    assert fires[1] == next_fire("0 2 * * *", fires[0], zone)
    assert fires[2] == next_fire("0 2 * * *", fires[1], zone)
