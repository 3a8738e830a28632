"""Plain rows the SQL returns and the pure email rules take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: UUID
    email: str | None
    display_name: str
    locale: str
    notifications_enabled: bool


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


@dataclass(frozen=True, slots=True)
class MonthlySummary:
    recipient: Recipient
    total_points: Number
    activity_totals: Mapping[str, Number]
    rankings: Mapping[str, Any] = field(default_factory=dict)
    challenge: Mapping[str, Any] = field(default_factory=dict)
    badges: Sequence[str] = ()
    awards: Sequence[Mapping[str, Any]] = ()


Summary = WeeklySummary | MonthlySummary
