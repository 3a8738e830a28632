"""Plain rows the SQL returns and the pure email rules take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from uuid import UUID

from sportify_common.periods import Period

Number = int | float


@dataclass(frozen=True, slots=True)
class PeriodRun:
    """What every step of one evaluation reads: the period, its challenge target, the job run
    that writes the results and the instant they are written at."""

    period: Period
    challenge: Decimal
    run_id: UUID
    now: datetime
    zone: tzinfo = UTC  # the configured zone: local weeks and days (streaks, active days)


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: UUID
    email: str | None
    display_name: str
    locale: str
    notifications_enabled: bool


@dataclass(frozen=True, slots=True)
class PreviousFigures:
    """The previous period's headline figures (its stored results, else its workouts);
    `rank` is None when it was not ranked or not stored."""

    total_points: Number
    workouts_count: int
    activity_totals: Mapping[str, Number]
    rank: int | None = None
    active_days: int | None = None


@dataclass(frozen=True, slots=True)
class BoardPlace:
    """One row of a reader's friends leaderboard: the reader or an accepted friend."""

    user_id: UUID
    display_name: str
    rank: int
    total_points: Number
    is_reader: bool


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    recipient: Recipient
    total_points: Number
    workouts_count: int
    activity_totals: Mapping[str, Number]
    exercise_counts: Mapping[str, Number] = field(default_factory=dict)
    goals: Mapping[str, Any] = field(default_factory=dict)
    rank: int = 1
    participant_count: int = 1
    badges: Sequence[str] = ()
    awards: Sequence[Mapping[str, Any]] = ()
    streak_weeks: int = 0
    previous: PreviousFigures | None = None
    board: Sequence[BoardPlace] = ()


@dataclass(frozen=True, slots=True)
class MonthlySummary:
    recipient: Recipient
    total_points: Number
    activity_totals: Mapping[str, Number]
    rankings: Mapping[str, Any] = field(default_factory=dict)
    challenge: Mapping[str, Any] = field(default_factory=dict)
    badges: Sequence[str] = ()
    awards: Sequence[Mapping[str, Any]] = ()
    workouts_count: int = 0
    active_days: int = 0
    friends_count: Mapping[str, int] = field(default_factory=dict)  # category -> N of "n of N"
    global_count: Mapping[str, int] = field(default_factory=dict)
    previous: PreviousFigures | None = None
    board: Sequence[BoardPlace] = ()


Summary = WeeklySummary | MonthlySummary
