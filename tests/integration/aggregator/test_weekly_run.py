"""A weekly run end to end: period.closed on the real broker → results, emails, job.finished.

Every expected value below is worked out by hand from the data the test inserts.
"""

# ruff: noqa: RUF001 - the dashes are the copy under test

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs.rules import ClaimOutcome
from sportify_common.periods import week_of
from sportify_common.settings import Settings, load_settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import befriend, insert_user, insert_workout, set_challenge, set_goal

pytestmark = pytest.mark.integration

MS = timedelta(milliseconds=1)


def plus_60(settings: Settings) -> Settings:
    return load_settings(**{**settings.model_dump(), "utc_offset_minutes": 60})


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text(sql), params)
        return [dict(r) for r in result.mappings()]


async def by_user(engine: AsyncEngine, sql: str, **params: Any) -> dict[UUID, dict[str, Any]]:
    return {r["user_id"]: r for r in await rows(engine, sql, **params)}


@pytest.fixture
def offset_settings(settings: Settings) -> Settings:
    return plus_60(settings)


async def test_weekly_run_writes_results_badges_awards_and_requests_emails(
    offset_settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(date(2026, 2, 2), offset_settings.zone)
    start, end = period.start, period.end
    assert start == datetime(2026, 2, 1, 23, tzinfo=UTC)
    a = await insert_user(engine, locale="de", display_name="Anna")
    b = await insert_user(engine, locale="en", display_name="Ben")
    c = await insert_user(engine, notifications=False)
    d = await insert_user(engine, email=None)
    deleted = await insert_user(engine, deleted_at=start + timedelta(days=1))
    late = await insert_user(engine, created_at=end)
    # A: 90 points, one workout exactly at the start (inclusive)
    await insert_workout(engine, a, start, [("pushups", 50, 30)])
    await insert_workout(
        engine, a, start + timedelta(days=2), [("pullups", 20, 40), ("running", 5.5, 20)]
    )
    # B: 90 points of yoga (no activity total); a workout exactly at the end is excluded
    await insert_workout(engine, b, start + timedelta(days=3), [("yoga", 30, 90)])
    await insert_workout(engine, b, end, [("pullups", 100, 1000)])
    # C: 70 points, plus a workout without activities
    await insert_workout(engine, c, start + timedelta(days=4), [("pushups", 10, 70)])
    await insert_workout(engine, c, start + timedelta(days=5))
    # D: only a workout 1 ms before the start
    await insert_workout(engine, d, start - MS, [("situps", 10, 500)])
    await insert_workout(engine, deleted, start + timedelta(days=1), [("yoga", 1, 999)])
    await insert_workout(engine, late, start + timedelta(days=1), [("yoga", 1, 999)])
    await befriend(engine, a, b)
    await befriend(engine, c, b)  # accepted, reverse direction
    await befriend(engine, a, c, "pending")
    await befriend(engine, c, a, "declined")
    await befriend(engine, a, d)
    await befriend(engine, d, a)  # both directions: still one friend
    await befriend(engine, c, d, "declined")
    await befriend(engine, a, deleted)
    await befriend(engine, late, a)
    await set_goal(engine, a, "pullups", 20)
    await set_goal(engine, a, "pushups", 60)
    await set_goal(engine, a, "points", 80)
    await set_goal(engine, b, "situps", 10)
    await set_goal(engine, c, "pushups", 10)
    await set_goal(engine, d, "points", 1)
    await set_challenge(engine, "weekly", date(2026, 2, 2), 85)

    async with running_aggregator(offset_settings, engine) as harness:
        finished = await harness.run(period)
        await harness.wait_emails(2)
        second = await harness.claim(period)
        registry = harness.registry

    result = finished["result"]
    assert finished["status"] == "completed"
    assert finished["jobName"] == "weekly-events"
    assert result["status"] == "ok"
    assert result["skipped"] is False
    assert result["processedUsers"] == 4
    assert result["weekStart"] == "2026-02-01T23:00:00.000Z"
    assert result["weekEnd"] == "2026-02-08T22:59:59.999Z"
    assert result["emailSummary"] == {
        "queued": 2,
        "skipped": {"email-notifications-disabled": 1, "no-email-address": 1},
    }
    expected_entries = {
        str(a): {"userId": str(a), "status": "queued"},
        str(b): {"userId": str(b), "status": "queued"},
        str(c): {"userId": str(c), "status": "skipped", "reason": "email-notifications-disabled"},
        str(d): {"userId": str(d), "status": "skipped", "reason": "no-email-address"},
    }
    assert sorted(result["emailResults"], key=lambda e: e["userId"]) == [
        expected_entries[k] for k in sorted(expected_entries)
    ]
    assert second.outcome is ClaimOutcome.SKIP_COMPLETED
    job = {"job": "weekly-events"}
    assert registry.get_sample_value("sportify_job_runs_total", {**job, "status": "completed"}) == 1
    assert registry.get_sample_value("sportify_processed_users_total", job) == 4
    assert registry.get_sample_value("sportify_job_duration_seconds_count", job) == 1
    assert (registry.get_sample_value("sportify_job_last_success_timestamp_seconds", job) or 0) > 0

    weekly = await by_user(engine, "select * from weekly_results where week_start = :s", s=start)
    assert set(weekly) == {a, b, c, d}
    assert weekly[a]["total_points"] == Decimal(90)
    assert weekly[a]["workouts_count"] == 2
    assert weekly[a]["exercise_counts"] == {"pushups": 1, "pullups": 1, "running": 1}
    assert weekly[a]["activity_totals"] == {
        "pullups": 20,
        "pushups": 50,
        "situps": 0,
        "running": 5.5,
        "cycling": 0,
    }
    assert weekly[a]["goals"] == {
        "exercises": {"achieved": False, "targets": {"pullups": 20, "pushups": 60}},
        "points": {"achieved": True, "target": 80},
        "challenge": {"achieved": True, "target": 85},
    }
    assert weekly[a]["week_end"] == end
    assert weekly[b]["exercise_counts"] == {"yoga": 1}
    assert weekly[b]["activity_totals"] == {
        "pullups": 0,
        "pushups": 0,
        "situps": 0,
        "running": 0,
        "cycling": 0,
    }
    assert weekly[b]["goals"] == {
        "exercises": {"achieved": False, "targets": {"situps": 10}},
        "points": {"achieved": False, "target": None},
        "challenge": {"achieved": True, "target": 85},
    }
    assert weekly[c]["workouts_count"] == 2
    assert weekly[c]["goals"]["exercises"] == {"achieved": True, "targets": {"pushups": 10}}
    assert weekly[d]["total_points"] == 0
    assert weekly[d]["workouts_count"] == 0
    assert weekly[d]["exercise_counts"] == {}
    assert weekly[d]["goals"]["points"] == {"achieved": False, "target": 1}
    assert {u: (r["leaderboard_rank"], r["badges_awarded"]) for u, r in weekly.items()} == {
        a: (1, ["weekly-challenge-points", "weekly-goal-points"]),
        b: (1, ["weekly-challenge-points"]),
        c: (2, ["weekly-goal-exercises"]),
        d: (2, []),
    }
    award = {"awardType": "leaderboard", "scope": "friends", "category": "points"}
    assert {u: r["awards_awarded"] for u, r in weekly.items()} == {
        a: [{**award, "rank": 1}],
        b: [{**award, "rank": 1}],
        c: [{**award, "rank": 2}],
        d: [],
    }

    board = await by_user(
        engine, "select * from leaderboard_results where week_start = :s", s=start
    )
    assert {
        u: (r["rank"], r["participant_count"], r["total_points"]) for u, r in board.items()
    } == {a: (1, 3, 90), b: (1, 3, 90), c: (2, 2, 70), d: (2, 2, 0)}
    badges = await rows(
        engine, "select user_id, badge_slug, period_kind, period_start from user_badges"
    )
    assert sorted((r["user_id"], r["badge_slug"]) for r in badges) == sorted(
        [
            (a, "weekly-challenge-points"),
            (a, "weekly-goal-points"),
            (b, "weekly-challenge-points"),
            (c, "weekly-goal-exercises"),
        ]
    )
    assert {(r["period_kind"], r["period_start"]) for r in badges} == {("weekly", start)}
    awards = await rows(engine, "select * from awards")
    assert sorted((r["user_id"], r["rank"]) for r in awards) == sorted([(a, 1), (b, 1), (c, 2)])
    assert {(r["award_type"], r["scope"], r["category"], r["period_kind"]) for r in awards} == {
        ("leaderboard", "friends", "points", "weekly")
    }

    emails = {e["userId"]: e for e in harness.emails}
    assert set(emails) == {str(a), str(b)}
    assert emails[str(a)]["idempotencyKey"] == f"weekly-summary:{a}:2026-02-02"
    assert emails[str(a)]["kind"] == "weekly-summary"
    assert emails[str(a)]["locale"] == "de"
    assert emails[str(a)]["subject"].startswith("Deine Woche: ")
    assert "2.–8. Februar 2026" in emails[str(a)]["bodyText"]
    assert emails[str(b)]["locale"] == "en"
    assert "List-Unsubscribe" in emails[str(b)]["headers"]
    assert emails[str(b)]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Among friends: 1st of 3" in emails[str(b)]["bodyText"]
