"""Monthly evaluation SQL (SPEC 4.2): global and friends rankings, challenge, results, awards.

Runs on the temp tables of `queries` (agg_users, agg_friends, agg_stats) in one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator import queries
from sportify_aggregator.monthly import (
    AWARD_CATEGORY_RANK,
    AWARD_CHAMPION,
    AWARD_MAX_RANK,
    BADGE_CHALLENGE,
    CATEGORIES,
    FRIENDS_MIN_PARTICIPANTS,
)
from sportify_aggregator.queries import ACTIVITY_TOTALS_JSON, EARNED_LISTS_SQL, recipient_of
from sportify_aggregator.records import MonthlySummary, Summary
from sportify_common.periods import Period

# category -> its column in agg_stats
_VALUE = {"points": "total_points", "pullups": "pullups", "pushups": "pushups", "situps": "situps"}


def _global_rank(category: str) -> str:
    value = _VALUE[category]
    return (
        f"case when s.ranked and s.{value} > 0 then rank() over "
        f"(partition by s.ranked and s.{value} > 0 order by s.{value} desc) end as g_{category}"
    )


def _friend_counts(category: str) -> str:
    value = _VALUE[category]
    return (
        f"count(*) filter (where o.{value} > 0) as n_{category}, "
        f"count(*) filter (where o.{value} > s.{value}) as gt_{category}"
    )


def _friend_rank(category: str) -> str:
    value = _VALUE[category]
    return (
        f"case when s.{value} > 0 then (1 + coalesce(fr.gt_{category}, 0))::int end "
        f"as f_{category}, (1 + coalesce(fr.n_{category}, 0))::int as n_{category}"
    )


def _rank_object(prefix: str) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{c}', {prefix}_{c}" for c in CATEGORIES) + ")"


async def create_month(conn: AsyncConnection, *, challenge: Decimal) -> None:
    """`agg_month`: per processed user the rankings and the challenge, plus what was earned."""
    await conn.execute(
        text(
            f"""
            create temp table agg_month on commit drop as
            with glob as (
                select s.user_id, {", ".join(_global_rank(c) for c in CATEGORIES)}
                  from agg_stats s),
            fr as (
                select f.user_id, {", ".join(_friend_counts(c) for c in CATEGORIES)}
                  from agg_friends f
                  join agg_stats s on s.user_id = f.user_id
                  join agg_stats o on o.user_id = f.friend_id
                 group by f.user_id)
            select s.*, {", ".join(f"g.g_{c}" for c in CATEGORIES)},
                   {", ".join(_friend_rank(c) for c in CATEGORIES)},
                   s.total_points >= :challenge as challenge_achieved
              from agg_stats s
              join glob g on g.user_id = s.user_id
              left join fr on fr.user_id = s.user_id
            """
        ),
        {"challenge": challenge},
    )
    await conn.execute(
        text(
            "insert into agg_badges select user_id, :slug from agg_month where challenge_achieved"
        ),
        {"slug": BADGE_CHALLENGE},
    )
    awards = [
        f"select user_id, :category_award, 'global', '{c}', g_{c}, "
        f"jsonb_build_object('value', trim_scale({_VALUE[c]})) "
        f"from agg_month where g_{c} <= :max_rank"
        for c in CATEGORIES
    ] + [
        f"select user_id, :category_award, 'friends', '{c}', f_{c}, "
        f"jsonb_build_object('value', trim_scale({_VALUE[c]}), 'participantCount', n_{c}) "
        f"from agg_month where f_{c} <= :max_rank and n_{c} >= :min_participants"
        for c in CATEGORIES
    ]
    awards.append(
        "select user_id, :champion, '', '', null::int, "
        "jsonb_build_object('totalPoints', trim_scale(total_points), "
        "'target', trim_scale(:challenge)) from agg_month where challenge_achieved"
    )
    await conn.execute(
        text(
            "insert into agg_awards (user_id, award_type, scope, category, rank, metadata) "
            + "\nunion all\n".join(awards)
        ),
        {
            "category_award": AWARD_CATEGORY_RANK,
            "champion": AWARD_CHAMPION,
            "max_rank": AWARD_MAX_RANK,
            "min_participants": FRIENDS_MIN_PARTICIPANTS,
            "challenge": challenge,
        },
    )


async def write_month(
    conn: AsyncConnection, *, period: Period, challenge: Decimal, run_id: UUID, now: datetime
) -> None:
    """Replace the month's monthly_results with one row per processed user (a re-run keeps each
    row's created_at)."""
    await queries.take_period_rows(conn, period)
    await conn.execute(
        text(
            f"""
            insert into monthly_results (
                user_id, month_start, month_end, total_points, activity_totals, rankings,
                challenge, badges_awarded, awards_awarded, job_run_id, created_at, updated_at)
            with {EARNED_LISTS_SQL}
            select s.user_id, :start, :end, s.total_points, {ACTIVITY_TOTALS_JSON},
                   jsonb_build_object(
                       'global', case when s.ranked then {_rank_object("s.g")} end,
                       'friends', {_rank_object("s.f")}),
                   jsonb_build_object('target', trim_scale(:challenge),
                                      'achieved', s.challenge_achieved,
                                      'totalPoints', trim_scale(s.total_points)),
                   coalesce(eb.badges, '[]'::jsonb), coalesce(ea.awards, '[]'::jsonb),
                   :run, coalesce(c.created_at, :now), :now
              from agg_month s
              left join earned_badges eb on eb.user_id = s.user_id
              left join earned_awards ea on ea.user_id = s.user_id
              left join agg_created c on c.user_id = s.user_id
            """
        ),
        {
            "start": period.start,
            "end": period.end,
            "run": run_id,
            "now": now,
            "challenge": challenge,
        },
    )


async def compute(
    conn: AsyncConnection, *, period: Period, challenge: Decimal, run_id: UUID, now: datetime
) -> None:
    await create_month(conn, challenge=challenge)
    await write_month(conn, period=period, challenge=challenge, run_id=run_id, now=now)


_SUMMARY_SQL = """
    select u.id as user_id, u.email, u.display_name, u.locale, u.email_notifications_enabled,
           r.total_points, r.activity_totals, r.rankings, r.challenge,
           r.badges_awarded, r.awards_awarded
      from monthly_results r
      join users u on u.id = r.user_id
     where r.month_start = :start
     order by r.user_id
"""


def _summary(row: Any) -> MonthlySummary:
    return MonthlySummary(
        recipient=recipient_of(row),
        total_points=float(row["total_points"]),
        activity_totals=row["activity_totals"],
        rankings=row["rankings"],
        challenge=row["challenge"],
        badges=list(row["badges_awarded"]),
        awards=list(row["awards_awarded"]),
    )


async def summary_batches(
    engine: AsyncEngine, period: Period, *, size: int
) -> AsyncIterator[list[Summary]]:
    """The committed results of the month joined with their users, `size` rows at a time."""
    async for batch in queries.summary_batches(
        engine, _SUMMARY_SQL, period, size=size, build=_summary
    ):
        yield batch
