"""Set-wise SQL shared by the weekly and monthly evaluations.

Everything runs inside the caller's transaction on temp tables (`on commit drop`):
`agg_users` (processed users), `agg_friends` (directed friend edges among them),
and `agg_stats` (one row per processed user with its statistics).
The period-specific modules then fill `agg_badges` / `agg_awards`, which
`write_badges_and_awards` turns into `user_badges` / `awards` with overwrite semantics.
Bound parameters only; fragments are fixed strings.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.records import Recipient, Summary
from sportify_common.periods import Period, PeriodKind

ACTIVITY_COLUMNS = ("pullups", "pushups", "situps", "running", "cycling")


async def _run(conn: AsyncConnection, sql: str, **params: Any) -> int:
    result = await conn.execute(text(sql), params)
    return int(result.rowcount or 0)


# Transaction-local memory for a few big hash joins and aggregates.
_WORK_MEM = "256MB"
# The statistics' sort of a month of activities (2.4 M rows per process for 100,000 users) runs
# faster as an external merge of 64 MB runs than as one in-memory quicksort of 250 MB, which is
# cache-hostile: 7.9-8.6 s -> 6.8-7.7 s, alternated three times on the same database. A week's
# sort fits in 64 MB either way.
_STATS_WORK_MEM = "64MB"


async def tune_session(conn: AsyncConnection) -> None:
    """Transaction-local planner settings for a few big hash joins and aggregates."""
    await _run(conn, f"set local work_mem = '{_WORK_MEM}'")
    await _run(conn, "set local jit = off")


async def create_processed_users(conn: AsyncConnection, period: Period) -> int:
    """Users not deleted and created before the period's end. Returns their count.

    `agg_excluded` holds everyone else (usually few), so friend edges can be filtered by a
    cheap anti-join instead of two joins against every processed user.
    """
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
    await _run(
        conn,
        """
        create temp table agg_excluded on commit drop as
        select id as user_id from users where deleted_at is not null or created_at >= :end
        """,
        end=period.end,
    )
    await _run(conn, "analyze agg_excluded")
    result = await conn.execute(text("select count(*) from agg_users"))
    return int(result.scalar_one())


async def create_friend_edges(conn: AsyncConnection) -> None:
    """Directed edges both ways for every accepted friendship between processed users.

    A pair accepted in both directions appears once per direction: the reverse of a row is
    only added when the reverse row itself is not accepted (no DISTINCT over all edges).
    """
    await _run(
        conn,
        """
        create temp table agg_friends on commit drop as
        select f.user_id, f.friend_id
          from friendships f
         where f.status = 'accepted' and f.user_id <> f.friend_id
        union all
        select f.friend_id, f.user_id
          from friendships f
         where f.status = 'accepted' and f.user_id <> f.friend_id
           and not exists (select 1 from friendships r
                            where r.user_id = f.friend_id and r.friend_id = f.user_id
                              and r.status = 'accepted')
        """,
    )
    excluded = await conn.execute(text("select exists (select 1 from agg_excluded)"))
    if excluded.scalar_one():
        await _run(
            conn,
            """
            delete from agg_friends f
             where f.user_id in (select user_id from agg_excluded)
                or f.friend_id in (select user_id from agg_excluded)
            """,
        )
    await _run(conn, "analyze agg_friends")


async def create_stats(conn: AsyncConnection, period: Period) -> None:
    """`agg_stats`: one row per processed user with its statistics for the period.

    Weekly: totals, workout count, exercise counts and activity totals. ONE pass over the
    period's activities groups them per user with filtered aggregates for the five known
    types. Other types (such as yoga) are counted in the same pass together with their min
    and max name: when both are equal (a user with at most one other type, the usual case)
    that is the user's whole count for it. Only users with two or more different other types
    get a second, targeted look (`_add_mixed_other_counts`).
    Monthly (SPEC 4.2 needs no counts): only the total and the activity totals, about half
    the aggregates. Every aggregate here has a combine function, so PostgreSQL may run the
    pass in parallel.
    """
    weekly = period.kind is PeriodKind.WEEKLY
    known = ", ".join(f"'{c}'" for c in ACTIVITY_COLUMNS)
    other = f"a.activity_type not in ({known})"
    sums = ",\n".join(
        f"sum(a.quantity) filter (where a.activity_type = '{c}') as q_{c}" for c in ACTIVITY_COLUMNS
    )
    totals = ", ".join(f"coalesce(p.q_{c}, 0) as {c}" for c in ACTIVITY_COLUMNS)
    if weekly:
        counts = ",\n".join(
            f"count(*) filter (where a.activity_type = '{c}') as c_{c}" for c in ACTIVITY_COLUMNS
        )
        count_json = ", ".join(f"'{c}', nullif(p.c_{c}, 0)" for c in ACTIVITY_COLUMNS)
        count_aggregates = f""",
                   {counts},
                   count(*) filter (where {other}) as c_other,
                   min(a.activity_type) filter (where {other}) as min_other,
                   max(a.activity_type) filter (where {other}) as max_other"""
        workout_counts = """,
        workout_counts as (
            select w.user_id, count(*) as n
              from workouts w
             where w.start_time >= :start and w.start_time < :end
             group by w.user_id)"""
        count_columns = f"""
               coalesce(wc.n, 0)::int as workouts_count,
               jsonb_strip_nulls(jsonb_build_object({count_json}))
                   || case when p.min_other = p.max_other
                           then jsonb_build_object(p.min_other, p.c_other)
                           else '{{}}'::jsonb end as exercise_counts,
               coalesce(p.min_other < p.max_other, false) as mixed_others,"""
        count_join = "left join workout_counts wc on wc.user_id = u.user_id"
    else:
        count_aggregates = workout_counts = count_columns = count_join = ""
    # Sorted grouping beats hashing here: 100k groups of a dozen numeric states each make
    # the hash table cache-hostile (measured 3.0 s vs 3.7 s for 1.2M activities).
    await _run(conn, "set local enable_hashagg = off")
    await _run(conn, f"set local work_mem = '{_STATS_WORK_MEM}'")
    await _run(
        conn,
        f"""
        create temp table agg_stats on commit drop as
        with per_user as (
            select w.user_id, sum(a.points) as total_points,
                   {sums}{count_aggregates}
              from workouts w
              join workout_activities a on a.workout_id = w.id
             where w.start_time >= :start and w.start_time < :end
             group by w.user_id){workout_counts}
        select u.user_id, u.ranked,
               coalesce(p.total_points, 0) as total_points,{count_columns}
               {totals}
          from agg_users u
          left join per_user p on p.user_id = u.user_id
          {count_join}
        """,
        start=period.start,
        end=period.end,
    )
    await _run(conn, "set local enable_hashagg = on")
    await _run(conn, f"set local work_mem = '{_WORK_MEM}'")
    await _run(conn, "alter table agg_stats add primary key (user_id)")
    if weekly:
        await _add_mixed_other_counts(conn, period, known)
    await _run(conn, "analyze agg_stats (user_id, ranked, total_points)")


async def _add_mixed_other_counts(conn: AsyncConnection, period: Period, known: str) -> None:
    """Per-type counts of the other types for users who logged two or more of them."""
    await _run(
        conn,
        f"""
        update agg_stats s set exercise_counts = s.exercise_counts || o.counts
          from (select user_id, jsonb_object_agg(activity_type, n) as counts
                  from (select w.user_id, a.activity_type, count(*) as n
                          from agg_stats m
                          join workouts w on w.user_id = m.user_id
                          join workout_activities a on a.workout_id = w.id
                         where m.mixed_others
                           and w.start_time >= :start and w.start_time < :end
                           and a.activity_type not in ({known})
                         group by w.user_id, a.activity_type) t
                 group by user_id) o
         where o.user_id = s.user_id
        """,
        start=period.start,
        end=period.end,
    )


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
    (an award's rank and metadata follow the recomputation). The badges' delete uses NOT IN
    over the (non-null) temp columns: a hashed subplan whatever the planner believes about
    the size of the period's existing rows (stale statistics once chose a nested loop), so
    the temp tables need no ANALYZE (it took 70 ms for a week's 30,000 awards).
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
           and (b.user_id, b.badge_slug) not in (select user_id, badge_slug from agg_badges)
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
    await _replace_awards(conn, params)


async def _replace_awards(conn: AsyncConnection, params: dict[str, Any]) -> None:
    """One delete through the period index, then plain inserts in unique-key order.

    An upsert per award spends most of a first run (the usual case) on conflict checks that
    find nothing, and unordered inserts scatter over the unique index: 121,758 monthly awards
    took 2.5-2.8 s upserted in rule order, 1.6-1.8 s inserted in key order. An award earned
    again keeps its id and awarded_at, and its job_run_id unless its rank or metadata changed.
    """
    await _run(
        conn,
        """
        create temp table agg_awarded (
            user_id uuid not null, award_type text not null, scope text not null,
            category text not null, id uuid not null, rank int, metadata jsonb not null,
            awarded_at timestamptz not null, job_run_id uuid
        ) on commit drop
        """,
    )
    await _run(
        conn,
        """
        with gone as (
            delete from awards a where a.period_kind = :kind and a.period_start = :start
            returning a.user_id, a.award_type, a.scope, a.category, a.id, a.rank, a.metadata,
                      a.awarded_at, a.job_run_id)
        insert into agg_awarded select * from gone
        """,
        kind=params["kind"],
        start=params["start"],
    )
    await _run(
        conn,
        """
        insert into awards (id, user_id, award_type, period_kind, period_start, scope, category,
                            rank, metadata, awarded_at, job_run_id)
        select coalesce(p.id, gen_random_uuid()), a.user_id, a.award_type, :kind, :start,
               a.scope, a.category, a.rank, a.metadata, coalesce(p.awarded_at, :now),
               case when p.rank is not distinct from a.rank and p.metadata = a.metadata
                    then p.job_run_id else :run end
          from agg_awards a
          left join agg_awarded p on p.user_id = a.user_id and p.award_type = a.award_type
                                  and p.scope = a.scope and p.category = a.category
         order by a.user_id, a.award_type, a.scope, a.category
        """,
        **params,
    )


_RESULTS_TABLES = {
    PeriodKind.WEEKLY: ("weekly_results", "week_start"),
    PeriodKind.MONTHLY: ("monthly_results", "month_start"),
}


async def take_period_rows(conn: AsyncConnection, period: Period) -> None:
    """Delete the period's weekly_results / monthly_results rows before they are written anew,
    keeping when each was first created in `agg_created` (user_id, created_at).

    One delete and plain inserts instead of an upsert per row: on a period's first run there
    is nothing to delete (the period index finds that at once) and the insert skips the
    conflict check (100,000 weekly rows: 0.49 -> 0.28 s); a user no longer processed is
    simply not written again.
    """
    table, period_column = _RESULTS_TABLES[period.kind]
    await _run(
        conn,
        "create temp table agg_created (user_id uuid not null, created_at timestamptz not null) "
        "on commit drop",
    )
    await _run(
        conn,
        f"""
        with gone as (delete from {table} where {period_column} = :start
                      returning user_id, created_at)
        insert into agg_created select user_id, created_at from gone
        """,
        start=period.start,
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
    await tune_session(conn)
    processed = await create_processed_users(conn, period)
    await create_friend_edges(conn)
    await create_stats(conn, period)
    await create_earned_tables(conn)
    return processed


async def record_timings(conn: AsyncConnection, run_id: UUID, timings: Mapping[str, float]) -> None:
    """`job_runs.metadata.timings`: how long the run's phases took (benchmarks read it)."""
    await _run(
        conn,
        "update job_runs set metadata = metadata || jsonb_build_object('timings', "
        "cast(:timings as jsonb)) where id = :id",
        id=run_id,
        timings=json.dumps(dict(timings)),
    )


async def summary_batches(
    engine: AsyncEngine,
    sql: str,
    period: Period,
    *,
    size: int,
    build: Callable[[Any], Summary],
) -> AsyncIterator[list[Summary]]:
    """A period's committed results joined with their users, `size` rows at a time (streamed)."""
    async with engine.connect() as conn:
        result = await conn.stream(text(sql), {"start": period.start})
        async for rows in result.mappings().partitions(size):
            yield [build(row) for row in rows]
