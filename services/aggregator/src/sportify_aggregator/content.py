"""What a summary email says, as figures before any wording (SPEC 4.3). Pure.

`content_of(summary)` turns a summary's rows into the headline figures with their changes,
the activities that occurred, goals as progress, ranks as "n of N", the friends board and
what was earned. `wording` and `render` then put it into the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sportify_aggregator.records import (
    BoardPlace,
    MonthlySummary,
    Number,
    PreviousFigures,
    Summary,
    WeeklySummary,
)
from sportify_common.vocabulary import ACTIVITY_TYPES, POINTS, RANKING_CATEGORIES

BADGES_SAID_BY_AN_AWARD = {"monthly-challenge-points": "monthly-champion"}
"""A badge whose award says the same thing: only the award is said."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline or activity figure. `change` is the difference to the previous period
    (None: there was none, "first week"); for a rank, positive means places gained."""

    key: str  # "points", "workouts", "active_days", "rank" or an activity type
    value: Number
    change: Number | None


@dataclass(frozen=True, slots=True)
class Rank:
    key: str  # ranking category
    rank: int | None  # None: not ranked
    of: int


@dataclass(frozen=True, slots=True)
class Progress:
    key: str  # "points", "challenge" or an activity type
    value: Number
    target: Number

    @property
    def reached(self) -> bool:
        return self.value >= self.target

    @property
    def missing(self) -> Number:
        return max(self.target - self.value, 0)

    @property
    def percent(self) -> int:
        """0..100, for the bar's width."""
        if self.target <= 0:
            return 100
        return max(0, min(100, int(100 * self.value / self.target)))


@dataclass(frozen=True, slots=True)
class Award:
    award_type: str
    scope: str
    category: str
    rank: int | None


@dataclass(frozen=True, slots=True)
class Content:
    weekly: bool
    empty: bool  # no workout in the period: the short, encouraging variant
    first: bool  # no previous period
    points: Figure
    workouts: Figure
    friends_rank: Rank  # points among friends
    rank_change: int | None  # places gained since the previous period (None: unknown)
    active_days: Figure | None  # monthly
    streak_weeks: int  # weekly
    activities: Sequence[Figure]
    goals: Sequence[Progress]
    global_ranks: Sequence[Rank]  # monthly, categories with a rank, when opted in
    friend_ranks: Sequence[Rank]  # monthly, categories other than points with a rank
    board: Sequence[BoardPlace]
    badges: Sequence[str]
    awards: Sequence[Award]


def _change(value: Number, previous: Number | None) -> Number | None:
    return None if previous is None else value - previous


def _activities(totals: Mapping[str, Any], previous: PreviousFigures | None) -> list[Figure]:
    before = previous.activity_totals if previous is not None else None
    return [
        Figure(
            kind, float(totals[kind]), _change(float(totals[kind]), _previous_total(before, kind))
        )
        for kind in ACTIVITY_TYPES
        if float(totals.get(kind) or 0) > 0
    ]


def _previous_total(totals: Mapping[str, Any] | None, kind: str) -> float | None:
    return None if totals is None else float(totals.get(kind) or 0)


def _weekly_goals(summary: WeeklySummary) -> list[Progress]:
    goals = summary.goals
    totals = summary.activity_totals
    targets = (goals.get("exercises") or {}).get("targets") or {}
    progress = [
        Progress(kind, float(totals.get(kind) or 0), float(targets[kind]))
        for kind in ACTIVITY_TYPES
        if kind in targets
    ]
    points_target = (goals.get("points") or {}).get("target")
    if points_target is not None:
        progress.append(Progress(POINTS, float(summary.total_points), float(points_target)))
    return [*progress, *_challenge(goals.get("challenge"), summary.total_points)]


def _challenge(challenge: Mapping[str, Any] | None, points: Number) -> list[Progress]:
    target = (challenge or {}).get("target")
    return [] if target is None else [Progress("challenge", float(points), float(target))]


def _awards(awards: Sequence[Mapping[str, Any]]) -> list[Award]:
    return [
        Award(
            str(a.get("awardType") or ""),
            str(a.get("scope") or ""),
            str(a.get("category") or ""),
            None if a.get("rank") is None else int(a["rank"]),
        )
        for a in awards
    ]


def _badges(badges: Sequence[str], awards: Sequence[Award]) -> list[str]:
    types = {a.award_type for a in awards}
    return [b for b in badges if BADGES_SAID_BY_AN_AWARD.get(b) not in types]


def _common(summary: Summary, workouts: int) -> dict[str, Any]:
    previous = summary.previous
    points = float(summary.total_points)
    awards = _awards(summary.awards)
    return {
        "empty": workouts == 0 and points == 0,
        "first": previous is None,
        "points": Figure(
            POINTS, points, _change(points, None if previous is None else previous.total_points)
        ),
        "workouts": Figure(
            "workouts",
            workouts,
            _change(workouts, None if previous is None else previous.workouts_count),
        ),
        "activities": _activities(summary.activity_totals, previous),
        "board": summary.board,
        "badges": _badges(summary.badges, awards),
        "awards": awards,
    }


def _rank_change(rank: int | None, previous: PreviousFigures | None) -> int | None:
    if rank is None or previous is None or previous.rank is None:
        return None
    return previous.rank - rank


def weekly_content(summary: WeeklySummary) -> Content:
    return Content(
        weekly=True,
        **_common(summary, summary.workouts_count),
        friends_rank=Rank(POINTS, summary.rank, summary.participant_count),
        rank_change=_rank_change(summary.rank, summary.previous),
        active_days=None,
        streak_weeks=summary.streak_weeks,
        goals=_weekly_goals(summary),
        global_ranks=(),
        friend_ranks=(),
    )


def _ranks(ranks: Mapping[str, Any] | None, counts: Mapping[str, int]) -> list[Rank]:
    if not ranks:
        return []
    return [
        Rank(c, int(ranks[c]), int(counts.get(c) or 1))
        for c in RANKING_CATEGORIES
        if ranks.get(c) is not None
    ]


def monthly_content(summary: MonthlySummary) -> Content:
    friends = (summary.rankings or {}).get("friends") or {}
    own = friends.get(POINTS)
    rank = None if own is None else int(own)
    previous = summary.previous
    days = summary.active_days
    days_before = None if previous is None else previous.active_days
    return Content(
        weekly=False,
        **_common(summary, summary.workouts_count),
        friends_rank=Rank(POINTS, rank, int(summary.friends_count.get(POINTS) or 1)),
        rank_change=_rank_change(rank, previous),
        active_days=Figure("active_days", days, _change(days, days_before)),
        streak_weeks=0,
        goals=_challenge(summary.challenge, summary.total_points),
        global_ranks=_ranks((summary.rankings or {}).get("global"), summary.global_count),
        friend_ranks=[r for r in _ranks(friends, summary.friends_count) if r.key != POINTS],
    )


def content_of(summary: Summary) -> Content:
    if isinstance(summary, WeeklySummary):
        return weekly_content(summary)
    return monthly_content(summary)
