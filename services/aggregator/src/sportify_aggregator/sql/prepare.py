"""Prepare: session tuning, processed users, friend edges, statistics (SPEC 4, 4.1, 4.2).

Everything runs inside the caller's transaction on temp tables (`on commit drop`):
`agg_users` (processed users), `agg_friends` (directed friend edges among them) and
`agg_stats` (one row per processed user with its statistics for the period). The period
stages read them. Bound parameters only; the statements' fragments come from `columns`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql.columns import (
    COUNTS_JSON,
    KNOWN_TYPES,
    QUANTITY_SUMS,
    TOTALS,
    TYPE_COUNTS,
)
from sportify_common.periods import Period

# Transaction-local memory for a few big hash joins and aggregates, and (smaller) for the
# statistics' sort: a month of activities sorts faster as an external merge of 64 MB runs than
# as one cache-hostile in-memory quicksort (bench/README.md).
_SET_WORK_MEM = "set local work_mem = '256MB'"
_SET_STATS_WORK_MEM = "set local work_mem = '64MB'"


async def tune_session(conn: AsyncConnection, run: PeriodRun) -> None:
    """Transaction-local planner settings for a few big hash joins and aggregates."""
    await conn.execute(text(_SET_WORK_MEM))
    await conn.execute(text("set local jit = off"))


async def create_processed_users(conn: AsyncConnection, run: PeriodRun) -> None:
    """Users not deleted and created before the period's end.

    `agg_excluded` holds everyone else (usually few), so friend edges can be filtered by a
    cheap anti-join instead of two joins against every processed user.
    """
    end = {"end": run.period.end}
    await conn.execute(
        text(
            """
            create temp table agg_users on commit drop as
            select id as user_id, show_in_global_rankings as ranked
              from users
             where deleted_at is null and created_at < :end
            """
        ),
        end,
    )
    await conn.execute(text("alter table agg_users add primary key (user_id)"))
    await conn.execute(text("analyze agg_users"))
    await conn.execute(
        text(
            """
            create temp table agg_excluded on commit drop as
            select id as user_id from users where deleted_at is not null or created_at >= :end
            """
        ),
        end,
    )
    await conn.execute(text("analyze agg_excluded"))


async def create_earned_tables(conn: AsyncConnection, run: PeriodRun) -> None:
    """Empty `agg_badges` / `agg_awards`, which the period's rules fill (`earned`)."""
    await conn.execute(
        text(
            "create temp table agg_badges (user_id uuid not null, badge_slug text not null) "
            "on commit drop"
        )
    )
    await conn.execute(
        text(
            """
            create temp table agg_awards (
                user_id uuid not null, award_type text not null, scope text not null,
                category text not null, rank int, metadata jsonb not null default '{}'::jsonb
            ) on commit drop
            """
        )
    )


async def processed_count(conn: AsyncConnection) -> int:
    result = await conn.execute(text("select count(*) from agg_users"))
    return int(result.scalar_one())


async def create_friend_edges(conn: AsyncConnection, run: PeriodRun) -> None:
    """Directed edges both ways for every accepted friendship between processed users.

    A pair accepted in both directions appears once per direction: the reverse of a row is
    only added when the reverse row itself is not accepted (no DISTINCT over all edges).
    """
    await conn.execute(
        text(
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
            """
        )
    )
    excluded = await conn.execute(text("select exists (select 1 from agg_excluded)"))
    if excluded.scalar_one():
        await conn.execute(
            text(
                """
                delete from agg_friends f
                 where f.user_id in (select user_id from agg_excluded)
                    or f.friend_id in (select user_id from agg_excluded)
                """
            )
        )
    await conn.execute(text("analyze agg_friends"))


# ONE pass over the week's activities groups them per user with filtered aggregates for the
# known types. Other types (such as yoga) are counted in the same pass together with their min
# and max name: when both are equal (a user with at most one other type, the usual case) that
# is the user's whole count for it. Only users with two or more different other types get a
# second, targeted look (`_add_mixed_other_counts`).
_WEEKLY_STATS = f"""
    create temp table agg_stats on commit drop as
    with per_user as (
        select w.user_id, sum(a.points) as total_points,
               {QUANTITY_SUMS},
               {TYPE_COUNTS},
               count(*) filter (where a.activity_type not in ({KNOWN_TYPES})) as c_other,
               min(a.activity_type) filter (where a.activity_type not in ({KNOWN_TYPES}))
                   as min_other,
               max(a.activity_type) filter (where a.activity_type not in ({KNOWN_TYPES}))
                   as max_other
          from workouts w
          join workout_activities a on a.workout_id = w.id
         where w.start_time >= :start and w.start_time < :end
         group by w.user_id),
    workout_counts as (
        select w.user_id, count(*) as n
          from workouts w
         where w.start_time >= :start and w.start_time < :end
         group by w.user_id)
    select u.user_id, u.ranked,
           coalesce(p.total_points, 0) as total_points,
           coalesce(wc.n, 0)::int as workouts_count,
           jsonb_strip_nulls(jsonb_build_object({COUNTS_JSON}))
               || case when p.min_other = p.max_other
                       then jsonb_build_object(p.min_other, p.c_other)
                       else '{{}}'::jsonb end as exercise_counts,
           coalesce(p.min_other < p.max_other, false) as mixed_others,
           {TOTALS}
      from agg_users u
      left join per_user p on p.user_id = u.user_id
      left join workout_counts wc on wc.user_id = u.user_id
"""

# SPEC 4.2 needs no counts: only the total and the activity totals, about half the aggregates.
_MONTHLY_STATS = f"""
    create temp table agg_stats on commit drop as
    with per_user as (
        select w.user_id, sum(a.points) as total_points,
               {QUANTITY_SUMS}
          from workouts w
          join workout_activities a on a.workout_id = w.id
         where w.start_time >= :start and w.start_time < :end
         group by w.user_id)
    select u.user_id, u.ranked,
           coalesce(p.total_points, 0) as total_points,
           {TOTALS}
      from agg_users u
      left join per_user p on p.user_id = u.user_id
"""

_MIXED_OTHER_COUNTS = f"""
    update agg_stats s set exercise_counts = s.exercise_counts || o.counts
      from (select user_id, jsonb_object_agg(activity_type, n) as counts
              from (select w.user_id, a.activity_type, count(*) as n
                      from agg_stats m
                      join workouts w on w.user_id = m.user_id
                      join workout_activities a on a.workout_id = w.id
                     where m.mixed_others
                       and w.start_time >= :start and w.start_time < :end
                       and a.activity_type not in ({KNOWN_TYPES})
                     group by w.user_id, a.activity_type) t
             group by user_id) o
     where o.user_id = s.user_id
"""


async def create_weekly_stats(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_stats` of a week: totals, workout count, exercise counts and activity totals."""
    await group_by_sorting(conn, text(_WEEKLY_STATS), run.period)
    await conn.execute(text("alter table agg_stats add primary key (user_id)"))
    await conn.execute(text(_MIXED_OTHER_COUNTS), _bounds(run.period))
    await conn.execute(text("analyze agg_stats (user_id, ranked, total_points)"))


async def create_monthly_stats(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_stats` of a month: the total and the activity totals."""
    await group_by_sorting(conn, text(_MONTHLY_STATS), run.period)
    await conn.execute(text("alter table agg_stats add primary key (user_id)"))
    await conn.execute(text("analyze agg_stats (user_id, ranked, total_points)"))


async def group_by_sorting(conn: AsyncConnection, statistics: TextClause, period: Period) -> None:
    """The statistics pass groups by sorting, not hashing: a dozen numeric states per user make
    the hash table cache-hostile. Every aggregate has a combine function (parallel-safe)."""
    await conn.execute(text("set local enable_hashagg = off"))
    await conn.execute(text(_SET_STATS_WORK_MEM))
    await conn.execute(statistics, _bounds(period))
    await conn.execute(text("set local enable_hashagg = on"))
    await conn.execute(text(_SET_WORK_MEM))


def _bounds(period: Period) -> dict[str, object]:
    return {"start": period.start, "end": period.end}


async def challenge_target(
    conn: AsyncConnection, *, kind: str, first_day: date, default: float
) -> Decimal:
    """The period's `point_challenges` target, else the configured default."""
    result = await conn.execute(
        text(
            "select target_points from point_challenges "
            "where period_kind = :kind and period_start = :day"
        ),
        {"kind": kind, "day": first_day},
    )
    value = result.scalar_one_or_none()
    return Decimal(value) if value is not None else Decimal(str(default))
