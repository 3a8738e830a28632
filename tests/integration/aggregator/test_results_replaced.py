"""A forced re-run replaces a period's result rows: each row keeps when it was first created,
a user no longer processed loses the row, other periods are left alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import Period, month_of, previous, week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import befriend, insert_user, insert_workout

pytestmark = pytest.mark.integration

RESULTS = {
    "weekly": ("weekly_results", "week_start"),
    "monthly": ("monthly_results", "month_start"),
}


async def results_by_user(
    engine: AsyncEngine, table: str, column: str, period: Period
) -> dict[UUID, dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                f"select user_id, total_points, created_at, updated_at from {table} "
                f"where {column} = :start"
            ),
            {"start": period.start},
        )
        return {r["user_id"]: dict(r) for r in result.mappings()}


async def soft_delete(engine: AsyncEngine, user: UUID) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("update users set deleted_at = now() where id = :id"), {"id": user})


@pytest.mark.parametrize("kind", ["weekly", "monthly"])
async def test_forced_rerun_keeps_created_at_and_drops_users_no_longer_processed(
    settings: Settings, engine: AsyncEngine, kind: str
) -> None:
    table, column = RESULTS[kind]
    day = date(2026, 3, 9)
    period = week_of(day, settings.zone) if kind == "weekly" else month_of(day, settings.zone)
    earlier = previous(period, settings.zone)
    stays = await insert_user(engine)
    leaves = await insert_user(engine)
    await befriend(engine, stays, leaves)
    for user in (stays, leaves):
        await insert_workout(engine, user, earlier.start + timedelta(days=1), [("yoga", 1, 5)])
        await insert_workout(engine, user, period.start + timedelta(days=1), [("yoga", 1, 10)])

    async with running_aggregator(settings, engine) as harness:
        await harness.run(earlier)
        await harness.run(period)
        first = await results_by_user(engine, table, column, period)
        await soft_delete(engine, leaves)
        await insert_workout(engine, stays, period.start + timedelta(days=2), [("yoga", 1, 7)])
        forced = await harness.run(period, force=True)
    after = await results_by_user(engine, table, column, period)
    kept = await results_by_user(engine, table, column, earlier)

    assert forced["status"] == "completed"
    assert set(first) == {stays, leaves}
    assert set(after) == {stays}
    assert after[stays]["total_points"] == 17
    assert after[stays]["created_at"] == first[stays]["created_at"]
    assert after[stays]["updated_at"] > first[stays]["updated_at"]
    assert set(kept) == {stays, leaves}
    if kind == "weekly":
        async with engine.connect() as conn:
            board = await conn.execute(
                text(
                    "select user_id, rank, participant_count from leaderboard_results "
                    "where week_start = :start"
                ),
                {"start": period.start},
            )
            assert [tuple(r) for r in board] == [(stays, 1, 1)]
