"""German wording (du-form), as a German fitness app writes to its users."""

# ruff: noqa: RUF001, RUF002 - typographic dashes are the copy, not typos

from __future__ import annotations

import functools
from datetime import date

from babel.dates import get_month_names

from sportify_aggregator.numbers import format_number
from sportify_aggregator.wording.shape import KindWords, Wording


@functools.cache
def _months() -> dict[int, str]:
    return dict(get_month_names("wide", locale="de"))


def period(first: date, last: date) -> str:
    """23.–29. November 2026 · 26. Oktober – 1. November 2026 · 28. Dezember 2026 – 3. Januar 2027"""
    months = _months()
    if first.year != last.year:
        return (
            f"{first.day}. {months[first.month]} {first.year} – "
            f"{last.day}. {months[last.month]} {last.year}"
        )
    if first.month != last.month:
        return f"{first.day}. {months[first.month]} – {last.day}. {months[last.month]} {last.year}"
    return f"{first.day}.–{last.day}. {months[last.month]} {last.year}"


def _plural(n: int, one: str, other: str) -> str:
    return one if n == 1 else other


def _places_change(places: int) -> str:
    if places == 0:
        return "Platz gehalten"
    arrow = "▲" if places > 0 else "▼"
    return f"{arrow} {abs(places)} {_plural(abs(places), 'Platz', 'Plätze')}"


def _streak(weeks: int) -> str:
    return "Woche – der Anfang einer Serie" if weeks == 1 else "Wochen in Folge"


def _preheader(workouts: int, rank: str) -> str:
    done = f"{workouts} {_plural(workouts, 'Workout', 'Workouts')}"
    return (
        f"{done}, {rank} – alle Zahlen auf einen Blick."
        if rank
        else f"{done} – alle Zahlen auf einen Blick."
    )


_AWARD_PLACES = {"friends": "unter deinen Freunden", "global": "in der Gesamtwertung"}


def _award(award_type: str, scope: str, category: str, rank: int | None) -> str:
    if award_type == "monthly-champion":
        return "Monats-Champion: Challenge geschafft"
    if award_type == "leaderboard":
        return f"{rank}. Platz unter deinen Freunden"
    where = "in der Freundeswertung" if scope == "friends" else "in der Gesamtwertung"
    return f"{rank}. Platz {where} {category}"


WORDING = Wording(
    locale="de",
    weekly=KindWords(
        kicker="Deine Woche",
        subject="Deine Woche",
        first="erste Woche",
        versus="zur Vorwoche",
        empty_title="Diese Woche war ruhig",
        empty_text=(
            "Kein Problem – jede Serie beginnt mit einem Workout. Schon eine kurze Einheit "
            "bringt dich diese Woche zurück in die Rangliste."
        ),
        button="Deine Woche ansehen",
        empty_button="Jetzt Workout eintragen",
        why="Du bekommst diese E-Mail, weil du in Sportify wöchentliche Zusammenfassungen aktiviert hast.",
        unsubscribe="Wöchentliche Zusammenfassungen abbestellen",
        challenge="Wochen-Challenge",
    ),
    monthly=KindWords(
        kicker="Dein Monat",
        subject="Dein {month}",
        first="erster Monat",
        versus="zum Vormonat",
        empty_title="Ein ruhiger Monat",
        empty_text=(
            "Ein neuer Monat, eine neue Chance: Trag dein nächstes Workout ein und hol dir "
            "deinen Platz in der Rangliste zurück."
        ),
        button="Deinen Monat ansehen",
        empty_button="Jetzt Workout eintragen",
        why="Du bekommst diese E-Mail, weil du in Sportify monatliche Zusammenfassungen aktiviert hast.",
        unsubscribe="Monatliche Zusammenfassungen abbestellen",
        challenge="Monats-Challenge",
    ),
    period=period,
    month=lambda day: f"{_months()[day.month]} {day.year}",
    month_name=lambda day: _months()[day.month],
    greeting=lambda name: f"Hallo {name}, hier ist deine Woche",
    greeting_month=lambda name: f"Hallo {name}, hier ist dein Monat",
    points="Punkte",
    workouts="Workouts",
    active_days="Aktive Tage",
    friends_rank="Unter Freunden",
    activities={
        "pullups": "Klimmzüge",
        "pushups": "Liegestütze",
        "situps": "Sit-ups",
        "running": "Laufen",
        "cycling": "Radfahren",
        "points": "Punkte",
    },
    units={"pullups": "", "pushups": "", "situps": "", "running": "km", "cycling": "km"},
    place=lambda rank: f"Platz {format_number(rank, 'de')}",
    of=lambda n: f"von {format_number(n, 'de')}",
    not_ranked="ohne Platzierung",
    places_change=_places_change,
    subject_points=lambda points: f"{points} Punkte",
    subject_rank=lambda rank: f"Platz {rank} unter Freunden",
    subject_workouts=lambda n: f"{n} {_plural(n, 'Workout', 'Workouts')}",
    subject_empty="Zeit für dein nächstes Workout",
    streak_label="Serie",
    streak=_streak,
    preheader=_preheader,
    preheader_empty="Jede Serie beginnt mit einem Workout – deine Freunde sind schon unterwegs.",
    activities_title="Deine Aktivitäten",
    points_goal="Punkteziel",
    goals_title="Deine Ziele",
    progress=lambda value, target: f"{value} / {target}",
    reached="Erreicht",
    missing=lambda rest: f"Noch {rest}",
    board_title="Rangliste unter Freunden",
    you="du",
    board_points="Punkte",
    ranks_title="Deine Platzierungen",
    overall=lambda category: f"Gesamtwertung {category}",
    among_friends=lambda category: f"Freundeswertung {category}",
    earned_title="Neu verdient",
    badges={
        "weekly-goal-exercises": "Übungsziele erreicht",
        "weekly-goal-points": "Punkteziel erreicht",
        "weekly-challenge-points": "Wochen-Challenge geschafft",
        "monthly-challenge-points": "Monats-Challenge geschafft",
    },
    award=_award,
    footer="Sportify · Deine Trainings-Community",
)
