"""English wording, as a British or American fitness app writes to its users."""

# ruff: noqa: RUF001, RUF002 - typographic dashes are the copy, not typos

from __future__ import annotations

import functools
from datetime import date

from babel.dates import get_month_names

from sportify_aggregator.wording.shape import KindWords, Wording


@functools.cache
def _months() -> dict[int, str]:
    return dict(get_month_names("wide", locale="en"))


def period(first: date, last: date) -> str:
    """23–29 November 2026 · 26 October – 1 November 2026 · 28 December 2026 – 3 January 2027"""
    months = _months()
    if first.year != last.year:
        return (
            f"{first.day} {months[first.month]} {first.year} – "
            f"{last.day} {months[last.month]} {last.year}"
        )
    if first.month != last.month:
        return f"{first.day} {months[first.month]} – {last.day} {months[last.month]} {last.year}"
    return f"{first.day}–{last.day} {months[last.month]} {last.year}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 101st."""
    if 11 <= n % 100 <= 13:
        return f"{n:,}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _plural(n: int, one: str, other: str) -> str:
    return one if n == 1 else other


def _places_change(places: int) -> str:
    if places == 0:
        return "same place"
    arrow = "▲" if places > 0 else "▼"
    return f"{arrow} {abs(places)} {_plural(abs(places), 'place', 'places')}"


def _streak(weeks: int) -> str:
    return "week – a streak begins" if weeks == 1 else "weeks in a row"


def _preheader(workouts: int, rank: str) -> str:
    done = f"{workouts} {_plural(workouts, 'workout', 'workouts')}"
    return (
        f"{done}, {rank} – all your numbers at a glance."
        if rank
        else f"{done} – all your numbers at a glance."
    )


def _award(award_type: str, scope: str, category: str, rank: int | None) -> str:
    if award_type == "monthly-champion":
        return "Monthly champion: challenge complete"
    place = ordinal(rank or 0)
    if award_type == "leaderboard":
        return f"{place} place among your friends"
    if scope == "friends":
        return f"{place} place among your friends in {category.lower()}"
    return f"{place} place overall in {category.lower()}"


WORDING = Wording(
    locale="en",
    weekly=KindWords(
        kicker="Your week",
        subject="Your week",
        first="first week",
        versus="vs last week",
        empty_title="A quiet week",
        empty_text=(
            "No worries – every streak starts with a single workout. Even a short session "
            "this week puts you back on the leaderboard."
        ),
        button="See your week",
        empty_button="Log a workout",
        why="You're getting this email because weekly summaries are switched on in your Sportify account.",
        unsubscribe="Unsubscribe from weekly summaries",
        challenge="Weekly challenge",
    ),
    monthly=KindWords(
        kicker="Your month",
        subject="Your {month}",
        first="first month",
        versus="vs last month",
        empty_title="A quiet month",
        empty_text=(
            "A new month is a fresh start: log your next workout and claim your place on the "
            "leaderboard again."
        ),
        button="See your month",
        empty_button="Log a workout",
        why="You're getting this email because monthly summaries are switched on in your Sportify account.",
        unsubscribe="Unsubscribe from monthly summaries",
        challenge="Monthly challenge",
    ),
    period=period,
    month=lambda day: f"{_months()[day.month]} {day.year}",
    month_name=lambda day: _months()[day.month],
    greeting=lambda name: f"Hi {name}, here is your week",
    greeting_month=lambda name: f"Hi {name}, here is your month",
    points="Points",
    workouts="Workouts",
    active_days="Active days",
    friends_rank="Among friends",
    activities={
        "pullups": "Pull-ups",
        "pushups": "Push-ups",
        "situps": "Sit-ups",
        "running": "Running",
        "cycling": "Cycling",
        "points": "Points",
    },
    units={"pullups": "", "pushups": "", "situps": "", "running": "km", "cycling": "km"},
    place=ordinal,
    of=lambda n: f"of {n:,}",
    not_ranked="not ranked",
    places_change=_places_change,
    subject_points=lambda points: f"{points} points",
    subject_rank=lambda rank: f"{ordinal(rank)} among friends",
    subject_workouts=lambda n: f"{n} {_plural(n, 'workout', 'workouts')}",
    subject_empty="time for your next workout",
    streak_label="Streak",
    streak=_streak,
    preheader=_preheader,
    preheader_empty="Every streak starts with one workout – your friends are already moving.",
    activities_title="Your activities",
    points_goal="Points goal",
    goals_title="Your goals",
    progress=lambda value, target: f"{value} / {target}",
    reached="Reached",
    missing=lambda rest: f"{rest} to go",
    board_title="Friends leaderboard",
    you="you",
    board_points="points",
    ranks_title="Your rankings",
    overall=lambda category: f"Overall · {category}",
    among_friends=lambda category: f"Friends · {category}",
    earned_title="New this time",
    badges={
        "weekly-goal-exercises": "Exercise goals reached",
        "weekly-goal-points": "Points goal reached",
        "weekly-challenge-points": "Weekly challenge complete",
        "monthly-challenge-points": "Monthly challenge complete",
    },
    award=_award,
    footer="Sportify · Train together",
)
