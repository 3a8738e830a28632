"""Set-wise SQL shared by the weekly and monthly evaluations.

Everything runs inside the caller's transaction on temp tables (`on commit drop`):
`agg_users` (processed users), `agg_friends` (directed friend edges among them),
`agg_activity` (per user and activity type) and `agg_stats` (one row per processed user).
The period-specific modules then fill `agg_badges` / `agg_awards`, which
`write_badges_and_awards` turns into `user_badges` / `awards` with overwrite semantics.
Bound parameters only; fragments are fixed strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import Recipient
from sportify_common.periods import Period

ACTIVITY_COLUMNS = ("pullups", "pushups", "situps", "running", "cycling")


async def _run(conn: AsyncConnection, sql: str, **params: Any) -> int:
    result = await conn.execute(text(sql), params)
    return int(result.rowcount or 0)


async def create_processed_users(conn: AsyncConnection, period: Period) -> int:
    """Users not deleted and created before the period's end. Returns their count."""
    await _run(
        conn,
        """
        create temp table agg_users on commit drop as
        select id as user_id, show_in_global_rankings as ranked
          from users
         where deleted_at is null and created_at < :end
        """,
        end=period.end,
    )
    await _run(conn, "alter table agg_users add primary key (user_id)")
    await _run(conn, "analyze agg_users")
    result = await conn.execute(text("select count(*) from agg_users"))
    return int(result.scalar_one())


async def create_friend_edges(conn: AsyncConnection) -> None:
    """Directed edges both ways for every accepted friendship between processed users."""
    await _run(
        conn,
        """
        create temp table agg_friends on commit drop as
        select distinct e.user_id, e.friend_id
          from (select user_id, friend_id from friendships where status = 'accepted'
                union all
                select friend_id, user_id from friendships where status = 'accepted') e
          join agg_users a on a.user_id = e.user_id
          join agg_users b on b.user_id = e.friend_id
         where e.user_id <> e.friend_id
        """,
    )
    await _run(conn, "analyze agg_friends")


async def create_stats(conn: AsyncConnection, period: Period) -> None:
    """`agg_stats`: totals, workout count, exercise counts and activity totals per processed user."""
    await _run(
        conn,
        """
        create temp table agg_activity on commit drop as
        select w.user_id, a.activity_type,
               count(*)::int as n, sum(a.quantity) as quantity, sum(a.points) as points
          from workouts w
          join workout_activities a on a.workout_id = w.id
         where w.start_time >= :start and w.start_time < :end
           and w.user_id in (select user_id from agg_users)
         group by w.user_id, a.activity_type
        """,
        start=period.start,
        end=period.end,
    )
    totals = ",\n".join(
        f"coalesce(sum(quantity) filter (where activity_type = '{c}'), 0) as {c}"
        for c in ACTIVITY_COLUMNS
    )
    columns = ", ".join(f"coalesce(act.{c}, 0) as {c}" for c in ACTIVITY_COLUMNS)
    await _run(
        conn,
        f"""
        create temp table agg_stats on commit drop as
        select u.user_id, u.ranked,
               coalesce(act.total_points, 0) as total_points,
               coalesce(wc.n, 0)::int as workouts_count,
               coalesce(act.exercise_counts, '{{}}'::jsonb) as exercise_counts,
               {columns}
          from agg_users u
          left join (select user_id, sum(points) as total_points,
                            jsonb_object_agg(activity_type, n) as exercise_counts,
                            {totals}
                       from agg_activity group by user_id) act on act.user_id = u.user_id
          left join (select w.user_id, count(*) as n
                       from workouts w
                      where w.start_time >= :start and w.start_time < :end
                      group by w.user_id) wc on wc.user_id = u.user_id
        """,
        start=period.start,
        end=period.end,
    )
    await _run(conn, "alter table agg_stats add primary key (user_id)")
    await _run(conn, "analyze agg_stats")


ACTIVITY_TOTALS_JSON = (
    "jsonb_build_object(" + ", ".join(f"'{c}', trim_scale(s.{c})" for c in ACTIVITY_COLUMNS) + ")"
)


async def challenge_target(
    conn: AsyncConnection, *, kind: str, first_day: date, default: float
) -> Decimal:
    result = await conn.execute(
        text(
            "select target_points from point_challenges "
            "where period_kind = :kind and period_start = :day"
        ),
        {"kind": kind, "day": first_day},
    )
    value = result.scalar_one_or_none()
    return Decimal(value) if value is not None else Decimal(str(default))


async def create_earned_tables(conn: AsyncConnection) -> None:
    await _run(
        conn,
        "create temp table agg_badges (user_id uuid not null, badge_slug text not null) "
        "on commit drop",
    )
    await _run(
        conn,
        """
        create temp table agg_awards (
            user_id uuid not null, award_type text not null, scope text not null,
            category text not null, rank int, metadata jsonb not null default '{}'::jsonb
        ) on commit drop
        """,
    )


async def write_badges_and_awards(
    conn: AsyncConnection, *, period: Period, run_id: UUID, now: datetime
) -> None:
    """Make `user_badges` / `awards` of the period exactly `agg_badges` / `agg_awards`.

    Rows that are no longer earned are deleted; existing ones keep their `awarded_at`
    (an award's rank and metadata follow the recomputation).
    """
    params: dict[str, Any] = {
        "kind": period.kind.value,
        "start": period.start,
        "now": now,
        "run": run_id,
    }
    await _run(
        conn,
        """
        delete from user_badges b
         where b.period_kind = :kind and b.period_start = :start
           and not exists (select 1 from agg_badges e
                            where e.user_id = b.user_id and e.badge_slug = b.badge_slug)
        """,
        kind=params["kind"],
        start=params["start"],
    )
    await _run(
        conn,
        """
        insert into user_badges (user_id, badge_slug, period_kind, period_start, awarded_at, job_run_id)
        select user_id, badge_slug, :kind, :start, :now, :run from agg_badges
        on conflict (user_id, badge_slug, period_start) do nothing
        """,
        **params,
    )
    await _run(
        conn,
        """
        delete from awards a
         where a.period_kind = :kind and a.period_start = :start
           and not exists (select 1 from agg_awards e
                            where e.user_id = a.user_id and e.award_type = a.award_type
                              and e.scope = a.scope and e.category = a.category)
        """,
        kind=params["kind"],
        start=params["start"],
    )
    await _run(
        conn,
        """
        insert into awards (user_id, award_type, period_kind, period_start, scope, category,
                            rank, metadata, awarded_at, job_run_id)
        select user_id, award_type, :kind, :start, scope, category, rank, metadata, :now, :run
          from agg_awards
        on conflict (user_id, award_type, period_kind, period_start, scope, category)
        do update set rank = excluded.rank, metadata = excluded.metadata,
                      job_run_id = excluded.job_run_id
         where awards.rank is distinct from excluded.rank
            or awards.metadata is distinct from excluded.metadata
        """,
        **params,
    )


EARNED_LISTS_SQL = """
    earned_badges as (
        select user_id, jsonb_agg(badge_slug order by badge_slug) as badges
          from agg_badges group by user_id),
    earned_awards as (
        select user_id,
               jsonb_agg(jsonb_build_object('awardType', award_type, 'scope', scope,
                                            'category', category, 'rank', rank)
                         order by award_type, scope, category) as awards
          from agg_awards group by user_id)
"""


async def existing_email_keys(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    result = await conn.execute(
        text("select idempotency_key from email_queue where idempotency_key = any(:keys)"),
        {"keys": list(keys)},
    )
    return {row[0] for row in result}


def recipient_of(row: Any) -> Recipient:
    return Recipient(
        user_id=row["user_id"],
        email=row["email"],
        display_name=row["display_name"],
        locale=row["locale"],
        notifications_enabled=bool(row["email_notifications_enabled"]),
    )


async def prepare(conn: AsyncConnection, period: Period) -> int:
    """The temp tables every evaluation starts from. Returns the number of processed users."""
    processed = await create_processed_users(conn, period)
    await create_friend_edges(conn)
    await create_stats(conn, period)
    await create_earned_tables(conn)
    return processed
