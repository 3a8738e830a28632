"""Every word of the summary emails, one `Wording` per locale. Pure data.

The templates (`templates/<kind>.<locale>.*`) hold the sentences around these words; a new
locale is one more `Wording` here and one more set of templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Wording:
    months: tuple[str, ...]  # January first
    date_format: str  # strftime
    decimal_mark: str
    activities: Mapping[str, str]  # activity type or ranking category -> its name
    badges: Mapping[str, str]  # badge slug -> its name
    award_types: Mapping[str, str]
    scopes: Mapping[str, str]  # award scope -> how it reads after the award ("" for none)
    subjects: Mapping[str, str]  # period kind -> subject ({name}, {first}, {last}, {month})
    place: str  # before an award's rank
    exercise_goals: str
    no_exercise_goals: str
    points_goal: str
    no_points_goal: str
    weekly_challenge: str
    points: str  # after the challenge's target


DE: Final = Wording(
    months=(
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    date_format="%d.%m.%Y",
    decimal_mark=",",
    activities={
        "pullups": "Klimmzüge",
        "pushups": "Liegestütze",
        "situps": "Sit-ups",
        "running": "Laufen (km)",
        "cycling": "Radfahren (km)",
        "points": "Punkte",
    },
    badges={
        "weekly-goal-exercises": "Wochenziel Übungen",
        "weekly-goal-points": "Wochenziel Punkte",
        "weekly-challenge-points": "Wochen-Challenge",
        "monthly-challenge-points": "Monats-Challenge",
    },
    award_types={
        "leaderboard": "Freunde-Rangliste",
        "monthly-champion": "Monats-Champion",
        "category-rank-award": "Ranglisten-Platz",
    },
    scopes={"friends": "unter Freunden", "global": "global", "": ""},
    subjects={
        "weekly": "{name}, deine Sportify-Woche vom {first} bis {last}",
        "monthly": "{name}, dein Sportify-Monat {month}",
    },
    place="Platz",
    exercise_goals="Übungsziele",
    no_exercise_goals="Übungsziele: keine gesetzt",
    points_goal="Punkteziel",
    no_points_goal="Punkteziel: keines gesetzt",
    weekly_challenge="Wochen-Challenge",
    points="Punkte",
)

EN: Final = Wording(
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    date_format="%Y-%m-%d",
    decimal_mark=".",
    activities={
        "pullups": "Pull-ups",
        "pushups": "Push-ups",
        "situps": "Sit-ups",
        "running": "Running (km)",
        "cycling": "Cycling (km)",
        "points": "Points",
    },
    badges={
        "weekly-goal-exercises": "Weekly exercise goal",
        "weekly-goal-points": "Weekly points goal",
        "weekly-challenge-points": "Weekly challenge",
        "monthly-challenge-points": "Monthly challenge",
    },
    award_types={
        "leaderboard": "Friends leaderboard",
        "monthly-champion": "Monthly champion",
        "category-rank-award": "Ranking place",
    },
    scopes={"friends": "among friends", "global": "global", "": ""},
    subjects={
        "weekly": "{name}, your Sportify week {first} to {last}",
        "monthly": "{name}, your Sportify month {month}",
    },
    place="place",
    exercise_goals="Exercise goals",
    no_exercise_goals="Exercise goals: none set",
    points_goal="Points goal",
    no_points_goal="Points goal: none set",
    weekly_challenge="Weekly challenge",
    points="points",
)

LOCALES: Final[Mapping[str, Wording]] = {"de": DE, "en": EN}
DEFAULT_LOCALE: Final = "de"
