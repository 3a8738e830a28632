"""The shape of a locale's wording: the words, and the few phrases that depend on a number."""

# ruff: noqa: RUF003 - typographic dashes are the copy, not typos

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class KindWords:
    """The words that differ between a weekly and a monthly summary."""

    kicker: str  # above the period: "DEINE WOCHE"
    subject: str  # "{headline}" follows: "Deine Woche"
    first: str  # instead of a change when there was no previous period: "erste Woche"
    versus: str  # after a change: "zur Vorwoche"
    empty_title: str
    empty_text: str
    button: str
    empty_button: str
    why: str
    unsubscribe: str
    challenge: str  # the challenge goal's name


@dataclass(frozen=True, slots=True)
class Wording:
    locale: str  # Babel's locale for numbers
    weekly: KindWords
    monthly: KindWords
    period: Callable[[date, date], str]  # first and last day -> "23.–29. November 2026"
    month: Callable[[date], str]  # "November 2026"
    month_name: Callable[[date], str]  # "November"
    greeting: Callable[[str], str]  # display name -> "Hallo Anna, hier ist deine Woche"
    greeting_month: Callable[[str], str]
    points: str
    workouts: str
    active_days: str
    friends_rank: str
    activities: Mapping[str, str]  # activity type or ranking category -> its name
    units: Mapping[str, str]  # activity type -> unit after the number ("" for a count)
    place: Callable[[int], str]  # rank -> "Platz 2" / "2nd"
    of: Callable[[int], str]  # participants -> "von 4" / "of 4" (after `place`)
    not_ranked: str
    places_change: Callable[[int], str]  # places gained (+) or lost (-) -> "▲ 1 Platz"
    subject_points: Callable[[str], str]  # formatted points -> "480 Punkte"
    subject_rank: Callable[[int], str]  # "Platz 1 unter Freunden"
    subject_workouts: Callable[[int], str]  # "3 Workouts"
    subject_empty: str  # after "Deine Woche: "
    streak_label: str  # the streak tile's label
    streak: Callable[[int], str]  # weeks -> the line under the number: "Wochen in Folge"
    preheader: Callable[[int, str], str]  # workouts, rank phrase -> the hidden preview line
    preheader_empty: str
    activities_title: str
    goals_title: str
    points_goal: str
    progress: Callable[[str, str], str]  # value, target -> "45 / 60"
    reached: str
    missing: Callable[[str], str]  # "noch 15"
    board_title: str
    you: str  # after the reader's name on the board
    board_points: str  # after a board entry's points
    ranks_title: str
    overall: Callable[[str], str]  # category name -> "Gesamtwertung Klimmzüge"
    among_friends: Callable[[str], str]  # category name -> "Freundeswertung Klimmzüge"
    earned_title: str
    badges: Mapping[str, str]  # badge slug -> what it says
    award: Callable[[str, str, str, int | None], str]  # type, scope, category name, rank
    footer: str  # the sender's line
