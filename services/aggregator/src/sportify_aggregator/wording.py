"""The words of the summary emails in German and English. Pure data."""

from __future__ import annotations

from typing import Final

LOCALES: Final = ("de", "en")
DEFAULT_LOCALE: Final = "de"

MONTHS: Final = {
    "de": (
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
    "en": (
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
}

ACTIVITIES: Final = {
    "de": {
        "pullups": "Klimmzüge",
        "pushups": "Liegestütze",
        "situps": "Sit-ups",
        "running": "Laufen (km)",
        "cycling": "Radfahren (km)",
        "points": "Punkte",
    },
    "en": {
        "pullups": "Pull-ups",
        "pushups": "Push-ups",
        "situps": "Sit-ups",
        "running": "Running (km)",
        "cycling": "Cycling (km)",
        "points": "Points",
    },
}

BADGES: Final = {
    "de": {
        "weekly-goal-exercises": "Wochenziel Übungen",
        "weekly-goal-points": "Wochenziel Punkte",
        "weekly-challenge-points": "Wochen-Challenge",
        "monthly-challenge-points": "Monats-Challenge",
    },
    "en": {
        "weekly-goal-exercises": "Weekly exercise goal",
        "weekly-goal-points": "Weekly points goal",
        "weekly-challenge-points": "Weekly challenge",
        "monthly-challenge-points": "Monthly challenge",
    },
}

AWARD_TYPES: Final = {
    "de": {
        "leaderboard": "Freunde-Rangliste",
        "monthly-champion": "Monats-Champion",
        "category-rank-award": "Ranglisten-Platz",
    },
    "en": {
        "leaderboard": "Friends leaderboard",
        "monthly-champion": "Monthly champion",
        "category-rank-award": "Ranking place",
    },
}

SCOPES: Final = {
    "de": {"friends": "unter Freunden", "global": "global", "": ""},
    "en": {"friends": "among friends", "global": "global", "": ""},
}

SUBJECTS: Final = {
    ("weekly", "de"): "{name}, deine Sportify-Woche vom {first} bis {last}",
    ("weekly", "en"): "{name}, your Sportify week {first} to {last}",
    ("monthly", "de"): "{name}, dein Sportify-Monat {month}",
    ("monthly", "en"): "{name}, your Sportify month {month}",
}

DATE_FORMATS: Final = {"de": "%d.%m.%Y", "en": "%Y-%m-%d"}
