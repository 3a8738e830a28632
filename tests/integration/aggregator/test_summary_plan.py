"""The summary query must not depend on statistics of the week it reads.

The week's rows are written just before it runs, so PostgreSQL's statistics see none of them
(and autoanalyze waits for 10 % of a table to change: weeks). A join to leaderboard_results
planned for "one row" once scanned the whole week for every row (522 s instead of 43 s with
26 weeks of 100,000 users). Each row must reach its leaderboard row through the full key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.sql.boards import BOARD_PLACES, BOARD_SQL
from sportify_aggregator.sql.results import SUMMARY_SQL
from sportify_common.periods import PeriodKind

pytestmark = pytest.mark.integration

USERS = 300
WEEKS = 4


def scans_of(node: dict[str, Any], relation: str) -> Iterator[dict[str, Any]]:
    if node.get("Relation Name") == relation:
        yield node
    for child in node.get("Plans", []):
        yield from scans_of(child, relation)


async def test_each_row_reaches_its_leaderboard_row_by_the_full_key_under_stale_statistics(
    engine: AsyncEngine,
) -> None:
    first = datetime(2026, 1, 5, tzinfo=UTC)
    weeks = [first + timedelta(weeks=n) for n in range(WEEKS)]
    async with engine.begin() as conn:
        await _insert_users(conn, USERS, created_at=first - timedelta(days=30))
        for week in weeks[:-1]:
            await _write_week(conn, week)
    async with engine.connect() as conn:
        await conn.execute(text("analyze users, weekly_results, leaderboard_results"))
        await conn.commit()
    async with engine.begin() as conn:
        await _write_week(conn, weeks[-1])  # written after the statistics, as in a run
    async with engine.connect() as conn:
        explained = await conn.execute(
            text(f"explain (format json) {SUMMARY_SQL[PeriodKind.WEEKLY]}"),
            {"start": weeks[-1], "previous": weeks[-2]},
        )
        plan = explained.scalar_one()[0]["Plan"]  # a json result arrives decoded

    scans = list(scans_of(plan, "leaderboard_results"))
    assert scans, json.dumps(plan, indent=1)
    for scan in scans:
        condition = scan.get("Index Cond", "")
        assert "week_start" in condition, json.dumps(plan, indent=1)
        assert "user_id" in condition, json.dumps(plan, indent=1)


async def _insert_users(conn: AsyncConnection, count: int, *, created_at: datetime) -> None:
    await conn.execute(
        text(
            "insert into users (id, email, display_name, created_at) "
            "select gen_random_uuid(), 'u' || n || '@example.com', 'U' || n, :at "
            "from generate_series(1, :users) n"
        ),
        {"at": created_at, "users": count},
    )


async def _write_week(conn: AsyncConnection, week: datetime) -> None:
    await conn.execute(
        text(
            "insert into weekly_results (user_id, week_start, week_end, leaderboard_rank) "
            "select id, :start, :end, 1 from users"
        ),
        {"start": week, "end": week + timedelta(weeks=1)},
    )
    await conn.execute(
        text(
            "insert into leaderboard_results (week_start, user_id, rank, participant_count) "
            "select :start, id, 1, 1 from users"
        ),
        {"start": week},
    )


BOARD_USERS = 3000
BOARD_RELATIONS = ("friendships", "leaderboard_results", "monthly_results", "users")


@pytest.mark.parametrize("kind", [PeriodKind.WEEKLY, PeriodKind.MONTHLY])
async def test_each_board_reaches_friends_and_results_by_key_under_stale_statistics(
    engine: AsyncEngine, kind: PeriodKind
) -> None:
    """A batch's boards probe friendships, results and users by key per reader and member:
    a hash of a whole table per batch made the summaries cost users times batches."""
    first = datetime(2026, 1, 5, tzinfo=UTC)
    async with engine.begin() as conn:
        await _insert_users(conn, BOARD_USERS, created_at=first - timedelta(days=30))
        await conn.execute(
            text(
                "with numbered as (select id, row_number() over (order by id) as n from users) "
                "insert into friendships (user_id, friend_id, status) "
                "select a.id, b.id, 'accepted' from numbered a cross join generate_series(1, 5) k "
                "join numbered b on b.n = (a.n + 7 * k) % :users + 1"
            ),
            {"users": BOARD_USERS},
        )
        await _write_week(conn, first)
    async with engine.connect() as conn:
        await conn.execute(text("analyze users, friendships, leaderboard_results"))
        await conn.commit()
    start = first + timedelta(weeks=1)
    async with engine.begin() as conn:
        if kind is PeriodKind.WEEKLY:
            await _write_week(conn, start)  # written after the statistics, as in a run
        else:
            await conn.execute(
                text(
                    "insert into monthly_results (user_id, month_start, month_end, total_points) "
                    "select id, :start, :end, 10 from users"
                ),
                {"start": start, "end": start + timedelta(days=28)},
            )
    async with engine.connect() as conn:
        readers = [row[0] for row in await conn.execute(text("select id from users limit 200"))]
        explained = await conn.execute(
            text(f"explain (format json) {BOARD_SQL[kind]}"),
            {"readers": readers, "start": start, "places": BOARD_PLACES},
        )
        plan = explained.scalar_one()[0]["Plan"]

    scans = [scan for relation in BOARD_RELATIONS for scan in scans_of(plan, relation)]
    assert {scan["Relation Name"] for scan in scans} >= {"friendships", "users"}
    for scan in scans:
        assert scan["Node Type"] != "Seq Scan", json.dumps(plan, indent=1)
        condition = scan.get("Index Cond") or scan.get("Recheck Cond") or ""
        assert condition, json.dumps(plan, indent=1)
        if scan["Relation Name"] in ("leaderboard_results", "monthly_results"):
            assert "user_id" in condition, json.dumps(plan, indent=1)
