"""How the console shows instants, durations, statuses and its 30-day chart (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sportify_monitor.console import chart, formatting

BERLIN = ZoneInfo("Europe/Berlin")


def test_an_instant_is_shown_in_the_zone_with_its_utc_instant() -> None:
    shown = formatting.instant("2026-03-01T23:30:00.000Z", BERLIN)
    assert shown == formatting.Shown(text="2026-03-02 00:30", utc="2026-03-01T23:30:00Z")
    summer = formatting.instant(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), BERLIN)
    assert summer is not None
    assert summer.text == "2026-07-01 14:00"
    assert formatting.instant(None, BERLIN) is None
    assert formatting.instant("not a time", BERLIN) is None


def test_durations_read_as_a_person_would_say_them() -> None:
    assert formatting.duration(None) == "—"
    assert formatting.duration(0.94) == "0.9 s"
    assert formatting.duration(42) == "42 s"
    assert formatting.duration(125) == "2 min 05 s"
    assert formatting.duration(3 * 3600 + 61) == "3 h 01 min"
    assert formatting.between("2026-03-01T10:00:00Z", "2026-03-01T10:02:00Z") == 120.0
    assert formatting.between(None, "2026-03-01T10:02:00Z") is None


def test_every_status_has_a_tone_and_unknown_ones_are_muted() -> None:
    assert formatting.tone("completed") == formatting.OK
    assert formatting.tone("failed") == formatting.BAD
    assert formatting.tone("paused") == formatting.WARN
    assert formatting.tone("running") == formatting.INFO
    assert formatting.tone("something-new") == formatting.MUTED
    assert formatting.tone(None) == formatting.MUTED


def test_hours_fold_into_local_days_and_the_chart_has_one_bar_a_day() -> None:
    today = date(2026, 3, 30)
    hourly = [
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), 5.0),  # 00:30 on the 30th in Berlin (CEST)
        (datetime(2026, 3, 29, 10, 0, tzinfo=UTC), 7.0),
        (datetime(2026, 3, 29, 11, 0, tzinfo=UTC), 3.0),
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), 99.0),  # outside the 30 days
    ]
    summed = chart.per_local_day(hourly, BERLIN, today)
    assert len(summed) == chart.DAYS
    assert summed[-1] == chart.Day(date(2026, 3, 30), 5.0)
    assert summed[-2] == chart.Day(date(2026, 3, 29), 10.0)
    assert chart.per_local_day(hourly, BERLIN, today, how="max")[-2].value == 7.0
    svg = chart.bar_chart(summed, title="Emails <sent>", unit="emails", css_class="bar-mail")
    assert svg.count("<rect ") == chart.DAYS
    assert 'role="img"' in svg
    assert "Emails &lt;sent&gt;" in svg
    assert "2026-03-29: 10 emails" in svg
