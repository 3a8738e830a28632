"""What the summary emails say: figures, changes, progress, ranks, wording, formatting."""

# ruff: noqa: RUF001 - the dashes are the copy under test

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings, strategies as st
from markupsafe import escape

from sportify_aggregator import wording
from sportify_aggregator.content import content_of
from sportify_aggregator.numbers import format_change, format_number
from sportify_aggregator.records import PreviousFigures
from sportify_aggregator.render import EmailParts, email_parts
from sportify_aggregator.wording import de, en
from tests.support.summary_samples import BASE_URL, UNSUBSCRIBE_URL, sample


def parts(locale: str, kind: str, variant: str, **changes: Any) -> EmailParts:
    summary, period = sample(locale, kind, variant)
    summary = replace(summary, **changes)
    return email_parts(
        summary, period, wording.LOCALES[locale], base_url=BASE_URL, unsubscribe_url=UNSUBSCRIBE_URL
    )


def test_headline_figures_change_against_the_previous_week() -> None:
    summary, _ = sample("de", "weekly", "normal")

    content = content_of(summary)

    assert (content.points.value, content.points.change) == (1480, 120)
    assert (content.workouts.value, content.workouts.change) == (5, 1)
    assert content.rank_change == 1  # third last week, second now
    assert [(f.key, f.value, f.change) for f in content.activities] == [
        ("pullups", 45, -5),
        ("pushups", 120, 20),
        ("running", 32.4, pytest.approx(4.4)),
    ]


def test_only_the_activities_that_occurred_are_said() -> None:
    text = parts("en", "weekly", "normal").text

    assert "Sit-ups" not in text
    assert "Cycling" not in text


def test_without_a_previous_week_every_headline_figure_reads_first_week() -> None:
    email = parts("en", "weekly", "first")

    assert email.text.count("(first week)") == 3
    assert "▲" not in email.text
    assert "▼" not in email.text


def test_goals_read_as_progress_with_what_is_missing() -> None:
    summary, _ = sample("de", "weekly", "normal")

    goals = {g.key: g for g in content_of(summary).goals}

    assert (goals["pullups"].percent, goals["pullups"].reached, goals["pullups"].missing) == (
        75,
        False,
        15,
    )
    assert goals["running"].reached
    assert goals["running"].percent == 100
    assert "- Klimmzüge: 45 / 60 · Noch 15" in parts("de", "weekly", "normal").text


def test_a_week_without_workouts_gets_the_short_encouraging_variant() -> None:
    email = parts("de", "weekly", "empty")

    assert email.subject == "Deine Woche: Zeit für dein nächstes Workout"
    assert "Diese Woche war ruhig" in email.text
    assert "Deine Ziele" not in email.text
    assert "Deine Aktivitäten" not in email.text
    assert "Jetzt Workout eintragen" in email.html


def test_the_board_names_friends_and_marks_the_reader() -> None:
    text = parts("en", "weekly", "normal").text

    assert "1. Chris Jung · 1,612\u00a0points" in text
    assert "2. Ben Carter (you) · 1,480\u00a0points" in text


def test_a_reader_without_friends_sees_no_board_and_a_subject_without_a_rank() -> None:
    summary, _ = sample("en", "weekly", "normal")

    email = parts("en", "weekly", "normal", board=summary.board[1:2], participant_count=1, rank=1)

    assert email.subject == "Your week: 1,480 points · 5 workouts"
    assert "Friends leaderboard" not in email.text


def test_every_rank_reads_n_of_n() -> None:
    text = parts("de", "monthly", "normal").text

    assert "Unter Freunden: Platz 1 von 6" in text
    assert "- Gesamtwertung Punkte: Platz 87 von 81.234" in text
    assert "- Freundeswertung Sit-ups: Platz 3 von 4" in text


def test_awards_are_said_once_in_plain_words() -> None:
    de_text = parts("de", "weekly", "normal").text
    en_text = parts("en", "monthly", "normal").text

    assert "* 2. Platz unter deinen Freunden" in de_text
    assert "Freunde-Rangliste" not in de_text
    assert "* 1st place among your friends in push-ups" in en_text
    assert "Monthly challenge complete" not in en_text  # the champion award says it


def test_monthly_summary_says_workouts_and_active_days_with_their_change() -> None:
    text = parts("en", "monthly", "normal").text

    assert "Workouts: 19 (▼ 2 vs last month)" in text
    assert "Active days: 16 (▲ 2 vs last month)" in text


def test_a_previous_month_without_active_days_shows_no_change_for_them() -> None:
    email = parts("en", "monthly", "normal", previous=PreviousFigures(100, 2, {}, None, None))

    assert "Active days: 16\n" in email.text


@pytest.mark.parametrize(
    ("first", "last", "german", "english"),
    [
        (date(2026, 11, 23), date(2026, 11, 29), "23.–29. November 2026", "23–29 November 2026"),
        (
            date(2026, 10, 26),
            date(2026, 11, 1),
            "26. Oktober – 1. November 2026",
            "26 October – 1 November 2026",
        ),
        (
            date(2026, 12, 28),
            date(2027, 1, 3),
            "28. Dezember 2026 – 3. Januar 2027",
            "28 December 2026 – 3 January 2027",
        ),
    ],
)
def test_periods_read_in_the_readers_language(
    first: date, last: date, german: str, english: str
) -> None:
    assert de.period(first, last) == german
    assert en.period(first, last) == english


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"), (1002, "1,002nd")],
)  # fmt: skip
def test_english_ordinals(n: int, word: str) -> None:
    assert en.ordinal(n) == word


def test_numbers_follow_the_locale() -> None:
    assert format_number(12345.5, "de") == "12.345,5"
    assert format_number(12345.5, "en") == "12,345.5"
    assert format_number(32, "de") == "32"
    assert format_change(-1.25, "de") == "▼ 1,2"
    assert format_change(0.01, "en") == "±0"


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.integers(min_value=-(10**9), max_value=10**9),
        st.decimals(min_value=-(10**7), max_value=10**7, places=1, allow_nan=False).map(float),
    ),
    locale=st.sampled_from(["de", "en"]),
)
def test_number_formatting_agrees_with_babel(value: float, locale: str) -> None:
    expected = format_decimal(Decimal(str(value)), format="#,##0.#", locale=locale)

    assert format_number(value, locale) == expected


NAMES = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    name=NAMES, locale=st.sampled_from(["de", "en"]), kind=st.sampled_from(["weekly", "monthly"])
)
def test_any_display_name_is_escaped_in_the_html_and_never_reaches_the_subject(
    name: str, locale: str, kind: str
) -> None:
    reader = f"Zq{name}"
    summary, period = sample(locale, kind, "normal", name=reader)

    email = email_parts(
        summary, period, wording.LOCALES[locale], base_url=BASE_URL, unsubscribe_url=None
    )

    assert str(escape(reader)) in email.html
    if "<" in reader or ">" in reader:  # always escaped, so the raw name cannot appear
        assert reader not in email.html
    assert "Zq" not in email.subject
    assert reader in email.text


@settings(max_examples=150, deadline=None)
@given(
    points=st.floats(min_value=0, max_value=10**7, allow_nan=False),
    workouts=st.integers(min_value=1, max_value=500),
    previous=st.floats(min_value=0, max_value=10**7, allow_nan=False),
    locale=st.sampled_from(["de", "en"]),
)
def test_any_figures_render_with_their_change(
    points: float, workouts: int, previous: float, locale: str
) -> None:
    summary, period = sample(locale, "weekly", "normal")
    summary = replace(
        summary,
        total_points=points,
        workouts_count=workouts,
        previous=PreviousFigures(previous, 1, {}, rank=None),
    )

    email = email_parts(
        summary, period, wording.LOCALES[locale], base_url=BASE_URL, unsubscribe_url=None
    )

    assert format_number(points, locale) in email.subject
    assert format_change(points - previous, locale) in email.text
