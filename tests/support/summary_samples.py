"""Summaries for the email content tests: each locale, kind and variant, fixed ids and names."""

from __future__ import annotations

from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from sportify_aggregator.records import (
    BoardPlace,
    MonthlySummary,
    PreviousFigures,
    Recipient,
    Summary,
    WeeklySummary,
)
from sportify_common.periods import Period, month_of, week_of

ZONE = ZoneInfo("Europe/Berlin")
WEEK = week_of(date(2026, 11, 23), ZONE)
MONTH = month_of(date(2026, 11, 1), ZONE)
BASE_URL = "https://app.sportify.example"
UNSUBSCRIBE_URL = "https://events.sportify.example/api/unsubscribe?token=u1.abc.1.sig"

LOCALES = ("de", "en")
KINDS = ("weekly", "monthly")
VARIANTS = ("normal", "empty", "first")

READER = UUID("00000000-0000-4000-8000-000000000001")
NAMES = {"de": "Anna Müller", "en": "Ben Carter"}


def recipient(locale: str, name: str | None = None) -> Recipient:
    return Recipient(
        user_id=READER,
        email="reader@example.test",
        display_name=name or NAMES[locale],
        locale=locale,
        notifications_enabled=True,
    )


def board(reader_name: str, reader_points: float, reader_rank: int) -> tuple[BoardPlace, ...]:
    """Chris, Dana and Eli ahead of or behind the reader: the top three places and the reader."""
    friends = [(2, "Chris Jung", 1612.0), (3, "Dana Schmidt", 980.5), (4, "Eli Novak", 455.0)]
    places = [BoardPlace(READER, reader_name, reader_rank, reader_points, True)]
    for n, name, points in friends:
        rank = 1 + sum(1 for _, _, p in friends if p > points) + (reader_points > points)
        places.append(BoardPlace(UUID(int=n), name, rank, points, False))
    places.sort(key=lambda p: (-p.total_points, not p.is_reader))
    top = places[:3]
    return tuple(
        top
        if any(p.is_reader for p in top)
        else [*top, places[[p.is_reader for p in places].index(True)]]
    )


def weekly(locale: str, variant: str, name: str | None = None) -> WeeklySummary:
    who = recipient(locale, name)
    if variant == "empty":
        return WeeklySummary(
            recipient=who,
            total_points=0,
            workouts_count=0,
            activity_totals={"pullups": 0, "pushups": 0, "situps": 0, "running": 0, "cycling": 0},
            goals={"challenge": {"achieved": False, "target": 300}, "points": {}, "exercises": {}},
            rank=5,
            participant_count=5,
            previous=PreviousFigures(210, 2, {"running": 8}, rank=3),
            board=board(who.display_name, 0, 5),
        )
    return WeeklySummary(
        recipient=who,
        total_points=1480,
        workouts_count=5,
        activity_totals={"pullups": 45, "pushups": 120, "situps": 0, "running": 32.4, "cycling": 0},
        exercise_counts={"pullups": 3, "pushups": 4, "running": 3},
        goals={
            "exercises": {"achieved": False, "targets": {"pullups": 60, "running": 25}},
            "points": {"achieved": True, "target": 1000},
            "challenge": {"achieved": True, "target": 1200},
        },
        rank=2,
        participant_count=5,
        badges=["weekly-goal-points", "weekly-challenge-points"],
        awards=[{"awardType": "leaderboard", "scope": "friends", "category": "points", "rank": 2}],
        streak_weeks=4 if variant == "normal" else 1,
        previous=(
            PreviousFigures(1360, 4, {"pullups": 50, "pushups": 100, "running": 28}, rank=3)
            if variant == "normal"
            else None
        ),
        board=board(who.display_name, 1480, 2),
    )


def monthly(locale: str, variant: str, name: str | None = None) -> MonthlySummary:
    who = recipient(locale, name)
    if variant == "empty":
        return MonthlySummary(
            recipient=who,
            total_points=0,
            activity_totals={"pullups": 0, "pushups": 0, "situps": 0, "running": 0, "cycling": 0},
            rankings={"global": {"points": None}, "friends": {"points": None}},
            challenge={"target": 4000, "achieved": False, "totalPoints": 0},
            friends_count={"points": 4},
            global_count={"points": 81234},
            previous=PreviousFigures(2100, 9, {"running": 40}, rank=2, active_days=7),
        )
    return MonthlySummary(
        recipient=who,
        total_points=12345.5,
        activity_totals={
            "pullups": 210,
            "pushups": 640,
            "situps": 300,
            "running": 118.6,
            "cycling": 245,
        },
        rankings={
            "global": {"points": 87, "pullups": 312, "pushups": 41, "situps": None},
            "friends": {"points": 1, "pullups": 2, "pushups": 1, "situps": 3},
        },
        challenge={"target": 10000, "achieved": True, "totalPoints": 12345.5},
        badges=["monthly-challenge-points"],
        awards=[
            {"awardType": "monthly-champion", "scope": "", "category": "", "rank": None},
            {
                "awardType": "category-rank-award",
                "scope": "friends",
                "category": "pushups",
                "rank": 1,
            },
        ],
        workouts_count=19,
        active_days=16,
        friends_count={"points": 6, "pullups": 5, "pushups": 6, "situps": 4},
        global_count={"points": 81234, "pullups": 40211, "pushups": 52310, "situps": 38002},
        previous=(
            PreviousFigures(
                10904, 21, {"pullups": 180, "pushups": 700, "running": 96.2}, rank=2, active_days=14
            )
            if variant == "normal"
            else None
        ),
        board=(
            BoardPlace(READER, who.display_name, 1, 12345.5, True),
            BoardPlace(UUID(int=2), "Chris Jung", 2, 11020, False),
            BoardPlace(UUID(int=3), "Dana Schmidt", 3, 9870.5, False),
        ),
    )


def sample(locale: str, kind: str, variant: str, name: str | None = None) -> tuple[Summary, Period]:
    if kind == "weekly":
        return weekly(locale, variant, name), WEEK
    return monthly(locale, variant, name), MONTH
