"""Input rows for tests, inserted with plain SQL (the Sportify app writes these tables)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.ids import random_email, random_name

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
_DEFAULT = object()

Activity = tuple[str, float | int | Decimal, float | int | Decimal]  # (type, quantity, points)


async def insert_user(
    engine: AsyncEngine,
    *,
    email: str | object | None = _DEFAULT,
    display_name: str | None = None,
    locale: str = "de",
    notifications: bool = True,
    global_rankings: bool = True,
    created_at: datetime = LONG_AGO,
    deleted_at: datetime | None = None,
) -> UUID:
    user_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into users (id, email, display_name, locale, email_notifications_enabled,
                                   show_in_global_rankings, created_at, deleted_at)
                values (:id, :email, :name, :locale, :notifications, :ranked, :created, :deleted)
                """
            ),
            {
                "id": user_id,
                "email": random_email() if email is _DEFAULT else email,
                "name": display_name or random_name(),
                "locale": locale,
                "notifications": notifications,
                "ranked": global_rankings,
                "created": created_at,
                "deleted": deleted_at,
            },
        )
    return user_id


async def insert_workout(
    engine: AsyncEngine,
    user_id: UUID,
    start_time: datetime,
    activities: Sequence[Activity] = (),
) -> UUID:
    workout_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text("insert into workouts (id, user_id, start_time) values (:id, :user, :start)"),
            {"id": workout_id, "user": user_id, "start": start_time},
        )
        for kind, quantity, points in activities:
            await conn.execute(
                text(
                    "insert into workout_activities (id, workout_id, activity_type, quantity, points) "
                    "values (:id, :workout, :kind, :quantity, :points)"
                ),
                {
                    "id": uuid4(),
                    "workout": workout_id,
                    "kind": kind,
                    "quantity": Decimal(str(quantity)),
                    "points": Decimal(str(points)),
                },
            )
    return workout_id


async def befriend(engine: AsyncEngine, a: UUID, b: UUID, status: str = "accepted") -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into friendships (user_id, friend_id, status) values (:a, :b, :status) "
                "on conflict (user_id, friend_id) do update set status = excluded.status"
            ),
            {"a": a, "b": b, "status": status},
        )


async def set_goal(
    engine: AsyncEngine, user_id: UUID, goal_type: str, target: float | int | Decimal
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into user_weekly_goals (user_id, goal_type, target) values (:u, :g, :t) "
                "on conflict (user_id, goal_type) do update set target = excluded.target"
            ),
            {"u": user_id, "g": goal_type, "t": Decimal(str(target))},
        )


async def set_challenge(
    engine: AsyncEngine, kind: str, first_day: date, target: float | int | Decimal
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into point_challenges (id, period_kind, period_start, target_points) "
                "values (:id, :kind, :day, :t) on conflict (period_kind, period_start) "
                "do update set target_points = excluded.target_points"
            ),
            {"id": uuid4(), "kind": kind, "day": first_day, "t": Decimal(str(target))},
        )
