"""Re-running a week: skipped by the claim; `force` overwrites without doubling anything."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.rules import ClaimOutcome
from sportify_common.periods import week_of
from sportify_common.settings import Settings, load_settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import befriend, insert_user, insert_workout, set_goal

pytestmark = pytest.mark.integration


async def rows(engine: AsyncEngine, sql: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql))).mappings()]


async def test_forced_rerun_recomputes_without_doubling_badges_awards_or_emails(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "default_weekly_point_challenge": 85})
    period = week_of(date(2026, 3, 9), settings.zone)
    a = await insert_user(engine)
    b = await insert_user(engine)
    c = await insert_user(engine)
    day = period.start + timedelta(days=1)
    await insert_workout(engine, a, day, [("yoga", 1, 90)])
    await insert_workout(engine, b, day, [("yoga", 1, 90)])
    await insert_workout(engine, c, day, [("yoga", 1, 70)])
    await befriend(engine, a, b)
    await befriend(engine, b, c)
    await set_goal(engine, a, "points", 80)

    async with running_aggregator(settings, engine) as harness:
        first = await harness.run(period)
        await harness.wait_emails(3)
        badges_before = {
            (r["user_id"], r["badge_slug"]): r["awarded_at"]
            for r in await rows(engine, "select * from user_badges")
        }
        await harness.store_requested_emails()
        skipped = await harness.claim(period)
        # Data changes: C now leads B's friends; A's points goal is no longer reached.
        await insert_workout(engine, c, day, [("yoga", 1, 30)])
        await set_goal(engine, a, "points", 100)
        forced = await harness.run(period, force=True)
        emails_after = list(harness.emails)

    assert first["result"]["emailSummary"] == {"queued": 3, "skipped": {}}
    assert skipped.outcome is ClaimOutcome.SKIP_COMPLETED
    assert forced["status"] == "completed"
    assert forced["result"]["emailSummary"] == {"queued": 0, "skipped": {"already-queued": 3}}
    assert {e["reason"] for e in forced["result"]["emailResults"]} == {"already-queued"}
    assert len(emails_after) == 3

    badges = await rows(engine, "select * from user_badges")
    assert sorted((r["user_id"], r["badge_slug"]) for r in badges) == sorted(
        [
            (a, "weekly-challenge-points"),
            (b, "weekly-challenge-points"),
            (c, "weekly-challenge-points"),
        ]
    )
    kept = {(r["user_id"], r["badge_slug"]): r["awarded_at"] for r in badges}
    assert kept[(a, "weekly-challenge-points")] == badges_before[(a, "weekly-challenge-points")]
    awards = await rows(engine, "select user_id, rank from awards")
    # A: friends {B}: 90 vs 90 → 1. B: friends {A, C}: 90 vs 90, 100 → 2. C: friends {B} → 1.
    assert sorted((r["user_id"], r["rank"]) for r in awards) == sorted([(a, 1), (b, 2), (c, 1)])
    weekly = {r["user_id"]: r for r in await rows(engine, "select * from weekly_results")}
    assert len(weekly) == 3
    assert weekly[c]["total_points"] == 100
    assert weekly[a]["badges_awarded"] == ["weekly-challenge-points"]
    assert weekly[b]["awards_awarded"] == [
        {"awardType": "leaderboard", "scope": "friends", "category": "points", "rank": 2}
    ]
    runs = await rows(engine, "select status, metadata from job_runs")
    assert len(runs) == 1
    assert runs[0]["status"] == "completed"
    assert runs[0]["metadata"]["attempt"] == 2
    assert runs[0]["metadata"]["result"] == forced["result"]


async def test_week_under_berlin_time_ends_at_local_monday_midnight_after_dst_change(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = load_settings(**{**settings.model_dump(), "events_timezone": "Europe/Berlin"})
    period = week_of(date(2026, 3, 23), settings.zone)  # DST starts Sunday 2026-03-29
    assert period.start.isoformat() == "2026-03-22T23:00:00+00:00"
    assert period.end.isoformat() == "2026-03-29T22:00:00+00:00"
    user = await insert_user(engine)
    await insert_workout(engine, user, period.start, [("yoga", 1, 1)])
    await insert_workout(engine, user, period.end - timedelta(minutes=1), [("yoga", 1, 10)])
    await insert_workout(engine, user, period.end, [("yoga", 1, 100)])  # local Monday 00:00
    await insert_workout(engine, user, period.start - timedelta(minutes=1), [("yoga", 1, 1000)])

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)

    assert finished["result"]["weekStart"] == "2026-03-22T23:00:00.000Z"
    assert finished["result"]["weekEnd"] == "2026-03-29T21:59:59.999Z"
    weekly = await rows(engine, "select total_points, workouts_count from weekly_results")
    assert weekly == [{"total_points": 11, "workouts_count": 2}]
