"""A monthly run end to end under Europe/Berlin; expectations worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import month_of
from sportify_common.settings import Settings, load_settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import befriend, insert_user, insert_workout, set_challenge

pytestmark = pytest.mark.integration

SECOND = timedelta(seconds=1)


def berlin(settings: Settings) -> Settings:
    return load_settings(**{**settings.model_dump(), "events_timezone": "Europe/Berlin"})


async def by_user(engine: AsyncEngine, sql: str) -> dict[UUID, dict[str, Any]]:
    async with engine.connect() as conn:
        return {r["user_id"]: dict(r) for r in (await conn.execute(text(sql))).mappings()}


def ranks(row: dict[str, Any]) -> dict[str, Any]:
    """The SPEC 3.2 keys of `rankings` (beside them: the N of each "n of N")."""
    return {scope: row["rankings"][scope] for scope in ("global", "friends")}


async def awards_of(engine: AsyncEngine) -> set[tuple[UUID, str, str, str, int | None]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select user_id, award_type, scope, category, rank from awards")
        )
        return {(r[0], r[1], r[2], r[3], r[4]) for r in result}


async def test_monthly_run_ranks_globally_and_among_friends_in_march_under_berlin_time(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = berlin(settings)
    period = month_of(date(2026, 3, 1), settings.zone)
    start, end = period.start, period.end
    assert start == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 22, tzinfo=UTC)  # CEST from March 29
    mid = start + timedelta(days=10)
    p1 = await insert_user(engine, locale="en")
    p2 = await insert_user(engine)
    p3 = await insert_user(engine)
    p4 = await insert_user(engine)
    p5 = await insert_user(engine, global_rankings=False)
    p6 = await insert_user(engine)
    p7 = await insert_user(engine)
    gone = await insert_user(engine, deleted_at=mid)
    await insert_workout(engine, p1, mid, [("pullups", 30, 100), ("yoga", 1, 400)])
    await insert_workout(engine, p2, mid, [("pushups", 100, 400)])
    await insert_workout(engine, p3, start, [("yoga", 1, 200)])  # first instant: in
    await insert_workout(engine, p3, end - SECOND, [("yoga", 1, 100)])  # last second: in
    await insert_workout(engine, p3, end, [("yoga", 1, 1000)])  # local April 1st: out
    await insert_workout(engine, p3, start - SECOND, [("yoga", 1, 1000)])  # February: out
    await insert_workout(engine, p4, mid, [("yoga", 1, 300)])
    await insert_workout(engine, p5, mid, [("yoga", 1, 600)])
    await insert_workout(engine, p7, mid, [("yoga", 1, 50)])
    await insert_workout(engine, gone, mid, [("yoga", 1, 5000)])
    await befriend(engine, p1, p2)
    await befriend(engine, p3, p2)
    await befriend(engine, p3, p4, "pending")
    await befriend(engine, p4, p5)
    await befriend(engine, p1, p6)
    await befriend(engine, p7, gone)
    await set_challenge(engine, "monthly", date(2026, 3, 1), 350)

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)
        await harness.wait_emails(7)

    result = finished["result"]
    assert finished["status"] == "completed"
    assert result["processedUsers"] == 7
    assert result["monthStart"] == "2026-02-28T23:00:00.000Z"
    assert result["monthEnd"] == "2026-03-31T21:59:59.999Z"
    assert result["emailSummary"] == {"queued": 7, "skipped": {}}
    monthly = await by_user(engine, "select * from monthly_results")
    assert set(monthly) == {p1, p2, p3, p4, p5, p6, p7}
    assert {u: r["total_points"] for u, r in monthly.items()} == {
        p1: 500,
        p2: 400,
        p3: 300,
        p4: 300,
        p5: 600,
        p6: 0,
        p7: 50,
    }
    assert monthly[p1]["activity_totals"] == {
        "pullups": 30,
        "pushups": 0,
        "situps": 0,
        "running": 0,
        "cycling": 0,
    }
    none = {"points": None, "pullups": None, "pushups": None, "situps": None}
    assert ranks(monthly[p1]) == {
        "global": {"points": 1, "pullups": 1, "pushups": None, "situps": None},
        "friends": {"points": 1, "pullups": 1, "pushups": None, "situps": None},
    }
    assert ranks(monthly[p2]) == {
        "global": {"points": 2, "pullups": None, "pushups": 1, "situps": None},
        "friends": {"points": 2, "pullups": None, "pushups": 1, "situps": None},
    }
    assert monthly[p3]["rankings"]["global"] == {**none, "points": 3}
    assert monthly[p4]["rankings"]["global"] == {**none, "points": 3}
    assert monthly[p3]["rankings"]["friends"] == {**none, "points": 2}
    assert monthly[p4]["rankings"]["friends"] == {**none, "points": 2}
    assert ranks(monthly[p5]) == {"global": None, "friends": {**none, "points": 1}}
    assert ranks(monthly[p6]) == {"global": none, "friends": none}
    assert ranks(monthly[p7]) == {
        "global": {**none, "points": 5},
        "friends": {**none, "points": 1},
    }
    assert monthly[p1]["rankings"]["globalCount"]["points"] == 5  # p5 opted out, p6 has none
    assert (monthly[p3]["workouts_count"], monthly[p3]["active_days"]) == (2, 2)
    assert (monthly[p6]["workouts_count"], monthly[p6]["active_days"]) == (0, 0)
    assert monthly[p1]["rankings"]["friendsCount"]["points"] == 2
    assert monthly[p1]["challenge"] == {"target": 350, "achieved": True, "totalPoints": 500}
    assert monthly[p3]["challenge"] == {"target": 350, "achieved": False, "totalPoints": 300}
    assert {u for u, r in monthly.items() if r["badges_awarded"]} == {p1, p2, p5}
    assert monthly[p5]["badges_awarded"] == ["monthly-challenge-points"]

    cra = "category-rank-award"
    assert await awards_of(engine) == {
        (p1, cra, "global", "points", 1),
        (p2, cra, "global", "points", 2),
        (p3, cra, "global", "points", 3),
        (p4, cra, "global", "points", 3),  # tied at 3: both
        (p1, cra, "global", "pullups", 1),
        (p2, cra, "global", "pushups", 1),
        (p1, cra, "friends", "points", 1),  # friends P2 (400) and P6 (0, not a participant)
        (p2, cra, "friends", "points", 2),
        (p3, cra, "friends", "points", 2),
        (p4, cra, "friends", "points", 2),
        (p5, cra, "friends", "points", 1),  # opted out globally, still ranked among friends
        (p1, "monthly-champion", "", "", None),
        (p2, "monthly-champion", "", "", None),
        (p5, "monthly-champion", "", "", None),
    }
    assert monthly[p5]["awards_awarded"] == [
        {"awardType": "category-rank-award", "scope": "friends", "category": "points", "rank": 1},
        {"awardType": "monthly-champion", "scope": "", "category": "", "rank": None},
    ]
    email = next(e for e in harness.emails if e["userId"] == str(p1))
    assert email["idempotencyKey"] == f"monthly-summary:{p1}:2026-03"
    assert email["kind"] == "monthly-summary"
    assert email["subject"] == "Your March: 500 points · 1st among friends"
    assert "YOUR MONTH · March 2026" in email["bodyText"]


async def test_october_month_under_berlin_time_uses_the_default_challenge(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = berlin(settings)
    period = month_of(date(2026, 10, 1), settings.zone)
    assert period.start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST
    assert period.end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # CET after October 25
    user = await insert_user(engine)
    await insert_workout(engine, user, period.start, [("situps", 10, 10)])
    await insert_workout(engine, user, period.start - SECOND, [("situps", 10, 100)])
    await insert_workout(engine, user, period.end - SECOND, [("situps", 5, 20)])
    await insert_workout(engine, user, period.end, [("situps", 10, 100)])

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)

    assert finished["result"]["monthEnd"] == "2026-10-31T22:59:59.999Z"
    monthly = await by_user(engine, "select * from monthly_results")
    assert monthly[user]["total_points"] == 30
    assert monthly[user]["activity_totals"]["situps"] == 15
    assert monthly[user]["challenge"] == {"target": 4000, "achieved": False, "totalPoints": 30}
    assert monthly[user]["rankings"]["global"]["situps"] == 1
    assert monthly[user]["rankings"]["friends"]["situps"] == 1
    assert await awards_of(engine) == {
        (user, "category-rank-award", "global", "situps", 1),
        (user, "category-rank-award", "global", "points", 1),
    }
