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


async def period_rows(engine: AsyncEngine, sql: str, period: Period) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text(sql), {"start": period.start})
        return [dict(r) for r in result.mappings()]


async def results_by_user(
    engine: AsyncEngine, table: str, column: str, period: Period
) -> dict[UUID, dict[str, Any]]:
    sql = (
        f"select user_id, total_points, created_at, updated_at from {table} where {column} = :start"
    )
    return {r["user_id"]: r for r in await period_rows(engine, sql, period)}


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


async def awards_by_key(
    engine: AsyncEngine, period: Period
) -> dict[tuple[Any, ...], dict[str, Any]]:
    sql = (
        "select user_id, award_type, scope, category, id, rank, metadata, awarded_at "
        "from awards where period_start = :start"
    )
    return {
        (r["user_id"], r["award_type"], r["scope"], r["category"]): r
        for r in await period_rows(engine, sql, period)
    }


async def test_forced_rerun_keeps_each_award_earned_again_and_updates_its_rank(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = month_of(date(2026, 3, 1), settings.zone)
    a = await insert_user(engine)
    b = await insert_user(engine)
    day = period.start + timedelta(days=1)
    await insert_workout(engine, a, day, [("pullups", 10, 10)])
    await insert_workout(engine, b, day, [("pushups", 10, 20)])

    async with running_aggregator(settings, engine) as harness:
        await harness.run(period)
        first = await awards_by_key(engine, period)
        await insert_workout(engine, a, day, [("pushups", 30, 30)])
        await harness.run(period, force=True)
    after = await awards_by_key(engine, period)

    cra = "category-rank-award"
    assert {k: r["rank"] for k, r in first.items()} == {
        (a, cra, "global", "points"): 2,
        (a, cra, "global", "pullups"): 1,
        (b, cra, "global", "points"): 1,
        (b, cra, "global", "pushups"): 1,
    }
    assert {k: r["rank"] for k, r in after.items()} == {
        (a, cra, "global", "points"): 1,
        (a, cra, "global", "pullups"): 1,
        (a, cra, "global", "pushups"): 1,
        (b, cra, "global", "points"): 2,
        (b, cra, "global", "pushups"): 2,
    }
    for key, award in first.items():  # earned again: same row, first awarded_at
        assert after[key]["id"] == award["id"]
        assert after[key]["awarded_at"] == award["awarded_at"]
    assert after[(a, cra, "global", "points")]["metadata"] == {"value": 40}
    assert after[(a, cra, "global", "pullups")] == first[(a, cra, "global", "pullups")]
