"""Shadow tables for a preview (SPEC 12.3): the run's own statements, on one user's circle,
writing nowhere.

A temp table named like a real one takes its place for the rest of the session: PostgreSQL
looks unqualified names up in the session's temp schema first. `shadow_inputs` puts the user,
their friends and what the evaluation reads of them (users, friendships, workouts, activities,
goals) in front of the real input tables; `shadow_outputs` puts empty result tables (plus the
circle's earlier results, which a summary compares with) in front of the real ones. The
transaction is rolled back at the end, and `assert_shadowed` checks before the first write
that every name resolves to the temp schema.

The session must not have prepared these statements' texts before the shadows existed (a
cached plan keeps pointing at the real table): the preview runs on a connection of its own
without a statement cache (`preview.preview_engine`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The streak looks back 52 weeks (SPEC 4.3); a month's previous month lies within them too.
HISTORY: Final = timedelta(weeks=53)

INPUT_TABLES: Final = (
    "users",
    "friendships",
    "workouts",
    "workout_activities",
    "user_weekly_goals",
)
OUTPUT_TABLES: Final = (
    "weekly_results",
    "monthly_results",
    "leaderboard_results",
    "user_badges",
    "awards",
)

_CIRCLE = """
    create temp table preview_circle on commit drop as
    select cast(:user as uuid) as user_id
    union
    select friend_id from public.friendships where user_id = :user and status = 'accepted'
    union
    select user_id from public.friendships where friend_id = :user and status = 'accepted'
"""

_INPUTS: Final = (
    """
    create temp table users on commit drop as
    select u.* from public.users u join preview_circle c on c.user_id = u.id
    """,
    """
    create temp table friendships on commit drop as
    select f.* from public.friendships f where f.user_id = :user
    union all
    select f.* from public.friendships f where f.friend_id = :user and f.user_id <> :user
    """,
    """
    create temp table workouts on commit drop as
    select w.* from public.workouts w join preview_circle c on c.user_id = w.user_id
     where w.start_time >= :history_from and w.start_time < :end
    """,
    "analyze pg_temp.workouts",
    """
    create temp table workout_activities on commit drop as
    select a.* from public.workout_activities a join pg_temp.workouts w on w.id = a.workout_id
    """,
    """
    create temp table user_weekly_goals on commit drop as
    select g.* from public.user_weekly_goals g join preview_circle c on c.user_id = g.user_id
    """,
)

_EARLIER_RESULTS: Final = (
    """
    insert into pg_temp.weekly_results
    select r.* from public.weekly_results r join preview_circle c on c.user_id = r.user_id
     where r.week_start >= :history_from and r.week_start < :start
    """,
    """
    insert into pg_temp.monthly_results
    select r.* from public.monthly_results r join preview_circle c on c.user_id = r.user_id
     where r.month_start >= :history_from and r.month_start < :start
    """,
)


async def user_state(conn: AsyncConnection, user_id: UUID, end: datetime) -> str | None:
    """None when the user is processed in the period ending at `end`; else why not."""
    row = (
        await conn.execute(
            text("select deleted_at, created_at from public.users where id = :user"),
            {"user": user_id},
        )
    ).one_or_none()
    if row is None:
        return "unknown"
    if row.deleted_at is not None:
        return "deleted"
    if row.created_at >= end:
        return "created-after-period"
    return None


async def create_circle(conn: AsyncConnection, user_id: UUID) -> None:
    """`preview_circle`: the user and their accepted friends (either direction)."""
    await conn.execute(text(_CIRCLE), {"user": user_id})
    # A few rows: with its statistics the joins below probe the real tables' keys instead of
    # hashing them whole.
    await conn.execute(text("analyze preview_circle"))


async def shadow_inputs(
    conn: AsyncConnection, user_id: UUID, start: datetime, end: datetime
) -> None:
    params = {"user": user_id, "history_from": start - HISTORY, "end": end}
    for statement in _INPUTS:
        await conn.execute(text(statement), params)
    await conn.execute(text("analyze pg_temp.workout_activities"))


async def shadow_outputs(conn: AsyncConnection, start: datetime) -> None:
    for table in OUTPUT_TABLES:
        # A fixed list of identifiers (no input reaches this text).
        await conn.execute(
            text(f"create temp table {table} (like public.{table} including all) on commit drop")
        )
    params = {"history_from": start - HISTORY, "start": start}
    for statement in _EARLIER_RESULTS:
        await conn.execute(text(statement), params)


async def assert_shadowed(conn: AsyncConnection, tables: tuple[str, ...]) -> None:
    """Refuse to go on unless every name resolves to this session's temp schema."""
    result = await conn.execute(
        text(
            """
            select n.name from unnest(cast(:names as text[])) n(name)
             where to_regclass(n.name) is null
                or (select c.relnamespace from pg_class c where c.oid = to_regclass(n.name))
                   <> pg_my_temp_schema()
            """
        ),
        {"names": list(tables)},
    )
    unshadowed = [row.name for row in result]
    if unshadowed:
        raise RuntimeError(f"preview: real tables not shadowed: {', '.join(unshadowed)}")
