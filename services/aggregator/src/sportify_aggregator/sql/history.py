"""Workout history beyond the period's statistics: the weekly streak and the month's active days.

`agg_streaks` (weekly) and `agg_days` (monthly) are read by the period's results insert.
Each is one statement for every processed user; local weeks and days arrive as bucket bounds
(`local_bounds`), so no zone name enters the SQL and a daylight-saving change is no special
case.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.local_bounds import STREAK_MAX_WEEKS, day_bounds, streak_week_bounds
from sportify_aggregator.records import PeriodRun

# One hashed pass over the workouts of the last `weeks` local weeks: per user a bit per week
# with a workout (bit 0 this week, bit k k weeks back). The streak is the run of ones from
# bit 0: `m # (m + 1)` is 2^(streak + 1) - 1, whose binary length is streak + 1. No sort, no
# window, no distinct; users who are not processed are left out by the results' join.
_STREAKS = """
    create temp table agg_streaks on commit drop as
    select user_id,
           length(ltrim(((weeks # (weeks + 1))::bit(64))::text, '0')) - 1 as streak_weeks
      from (select w.user_id,
                   bit_or(1::bigint << (:weeks - width_bucket(
                       w.start_time, cast(:bounds as timestamptz[])))) as weeks
              from workouts w
             where w.start_time >= :first and w.start_time < :end
             group by w.user_id) marks
"""


async def create_streaks(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_streaks` (user_id, streak_weeks) for every processed user with a workout this week."""
    bounds = streak_week_bounds(run.period, run.zone)
    await conn.execute(
        text(_STREAKS),
        {"bounds": bounds, "first": bounds[0], "end": run.period.end, "weeks": STREAK_MAX_WEEKS},
    )
    await conn.execute(text("alter table agg_streaks add primary key (user_id)"))


# One hashed pass: per user the workouts and a bit per local day with one (a month has at most
# 31 buckets); the active days are the bits set. No distinct (user, day) pairs to group.
_DAYS = """
    create temp table agg_days on commit drop as
    select user_id, count(*)::int as workouts_count,
           bit_count(bit_or(1::bigint << width_bucket(
               w.start_time, cast(:bounds as timestamptz[])))::bit(64))::int as active_days
      from workouts w
     where w.start_time >= :start and w.start_time < :end
     group by user_id
"""


async def create_month_days(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_days` (user_id, workouts_count, active_days) for every user with a workout."""
    await conn.execute(
        text(_DAYS),
        {
            "bounds": day_bounds(run.period, run.zone),
            "start": run.period.start,
            "end": run.period.end,
        },
    )
    await conn.execute(text("alter table agg_days add primary key (user_id)"))
