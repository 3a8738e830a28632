"""exercise_counts from the single statistics pass: known types, one other type, several others."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql import prepare
from sportify_common.periods import week_of
from sportify_common.settings import Settings
from tests.support.factories import insert_user, insert_workout

pytestmark = pytest.mark.integration


async def test_exercise_counts_count_every_type_including_several_unknown_ones(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(date(2026, 3, 9), settings.zone)
    day = period.start + timedelta(days=2)
    mixed = await insert_user(engine)
    one_other = await insert_user(engine)
    known_only = await insert_user(engine)
    idle = await insert_user(engine)
    await insert_workout(
        engine, mixed, day, [("pullups", 10, 5), ("yoga", 1, 3), ("climbing", 2, 4)]
    )
    await insert_workout(engine, mixed, day, [("yoga", 1, 3), ("pullups", 5, 2)])
    await insert_workout(engine, mixed, period.end, [("swimming", 1, 9)])  # next week: out
    await insert_workout(engine, one_other, day, [("yoga", 1, 3), ("yoga", 1, 3)])
    await insert_workout(engine, known_only, day, [("running", 5, 7), ("cycling", 20, 8)])
    await insert_workout(engine, idle, day)  # a workout without activities

    async with engine.connect() as conn, conn.begin() as tx:
        run = PeriodRun(period, Decimal(0), uuid4(), period.end)
        for step in (
            prepare.tune_session,
            prepare.create_processed_users,
            prepare.create_friend_edges,
            prepare.create_weekly_stats,
        ):
            await step(conn, run)
        rows = (await conn.execute(text("select * from agg_stats"))).mappings().all()
        stats: dict[Any, dict[str, Any]] = {r["user_id"]: dict(r) for r in rows}
        await tx.rollback()

    assert stats[mixed]["exercise_counts"] == {"pullups": 2, "yoga": 2, "climbing": 1}
    assert stats[mixed]["pullups"] == 15
    assert stats[mixed]["total_points"] == 17
    assert stats[mixed]["workouts_count"] == 2
    assert stats[one_other]["exercise_counts"] == {"yoga": 2}
    assert stats[known_only]["exercise_counts"] == {"running": 1, "cycling": 1}
    assert stats[known_only]["cycling"] == 20
    assert stats[idle]["exercise_counts"] == {}
    assert stats[idle]["workouts_count"] == 1
    assert stats[idle]["total_points"] == 0
