"""Weekly rules (SPEC 4.1) over plain data. Pure.

Production applies the same rules set-wise in SQL (`sql.weekly`, `sql.earned`); these functions state
them readably and serve as the oracle in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sportify_common.vocabulary import ACTIVITY_TYPES, POINTS

BADGE_EXERCISES = "weekly-goal-exercises"
BADGE_POINTS = "weekly-goal-points"
BADGE_CHALLENGE = "weekly-challenge-points"

AWARD_LEADERBOARD = "leaderboard"

AWARD_MAX_RANK = 3
AWARD_MIN_PARTICIPANTS = 2


@dataclass(frozen=True, slots=True)
class UserWeek:
    total_points: Decimal
    activity_totals: Mapping[str, Decimal]
    goals: Mapping[str, Decimal] = field(default_factory=dict)  # goal_type -> target
    rank: int = 1
    participant_count: int = 1


@dataclass(frozen=True, slots=True)
class WeekOutcome:
    exercises_achieved: bool
    points_achieved: bool
    challenge_achieved: bool
    leaderboard_award: bool

    @property
    def badges(self) -> tuple[str, ...]:
        earned = (
            (self.exercises_achieved, BADGE_EXERCISES),
            (self.points_achieved, BADGE_POINTS),
            (self.challenge_achieved, BADGE_CHALLENGE),
        )
        return tuple(slug for achieved, slug in earned if achieved)


def exercises_achieved(week: UserWeek) -> bool:
    targets = {k: v for k, v in week.goals.items() if k in ACTIVITY_TYPES}
    return bool(targets) and all(
        week.activity_totals.get(kind, Decimal(0)) >= target for kind, target in targets.items()
    )


def points_achieved(week: UserWeek) -> bool:
    target = week.goals.get(POINTS)
    return target is not None and week.total_points >= target


def leaderboard_award(week: UserWeek) -> bool:
    return (
        week.rank <= AWARD_MAX_RANK
        and week.participant_count >= AWARD_MIN_PARTICIPANTS
        and week.total_points > 0
    )


def evaluate_week(week: UserWeek, *, challenge_target: Decimal) -> WeekOutcome:
    return WeekOutcome(
        exercises_achieved=exercises_achieved(week),
        points_achieved=points_achieved(week),
        challenge_achieved=week.total_points >= challenge_target,
        leaderboard_award=leaderboard_award(week),
    )
