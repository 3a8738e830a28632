"""Monthly (SPEC 4.2): global and friends rankings and the challenge, then the month's rows.

Runs on the temp tables of `prepare` (agg_users, agg_friends, agg_stats) in one transaction;
`agg_month` is what `earned.MONTHLY_RULES` read. Its rank columns per ranking category:
`g_<category>` (global), `f_<category>` (among friends), `n_<category>` (friends taking part).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql.columns import CATEGORY_COLUMNS, TOTALS_JSON
from sportify_aggregator.sql.earned import MONTHLY_RULES

# The ranking categories, each checked as an identifier by `columns`.
CATEGORIES = tuple(CATEGORY_COLUMNS)


def _global_rank(category: str) -> str:
    """Rank among opted-in users with a value > 0. The sort key is the value itself (null for
    everyone else, sorted last), not a partition flag followed by the value: a leading numeric
    key lets the sort compare abbreviated keys."""
    value = CATEGORY_COLUMNS[category]
    ranked = f"s.ranked and s.{value} > 0"
    return (
        f"case when {ranked} then rank() over "
        f"(order by case when {ranked} then s.{value} end desc nulls last) end as g_{category}"
    )


def _friend_counts(category: str) -> str:
    value = CATEGORY_COLUMNS[category]
    return (
        f"count(*) filter (where o.{value} > 0) as n_{category}, "
        f"count(*) filter (where o.{value} > s.{value}) as gt_{category}"
    )


def _friend_rank(category: str) -> str:
    value = CATEGORY_COLUMNS[category]
    return (
        f"case when s.{value} > 0 then (1 + coalesce(fr.gt_{category}, 0))::int end "
        f"as f_{category}, (1 + coalesce(fr.n_{category}, 0))::int as n_{category}"
    )


def _rank_object(prefix: str) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{c}', {prefix}_{c}" for c in CATEGORIES) + ")"


_GLOBAL_RANKS = f"""
    create temp table agg_global on commit drop as
    select s.user_id, {", ".join(_global_rank(c) for c in CATEGORIES)}
      from agg_stats s
"""

_MONTH = f"""
    create temp table agg_month on commit drop as
    with fr as (
        select f.user_id, {", ".join(_friend_counts(c) for c in CATEGORIES)}
          from agg_friends f
          join agg_stats s on s.user_id = f.user_id
          join agg_stats o on o.user_id = f.friend_id
         group by f.user_id)
    select s.*, {", ".join(f"g.g_{c}" for c in CATEGORIES)},
           {", ".join(_friend_rank(c) for c in CATEGORIES)},
           s.total_points >= :challenge as challenge_achieved
      from agg_stats s
      join agg_global g on g.user_id = s.user_id
      left join fr on fr.user_id = s.user_id
"""


async def create_global_ranks(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_global`: per processed user the global rank in each category (null when not ranked).

    A step of its own: a preview ranks one user globally among everyone, then evaluates only
    that user's circle (`preview`)."""
    await conn.execute(text(_GLOBAL_RANKS))


async def create_month(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_month`: per processed user the rankings and the challenge."""
    await conn.execute(text(_MONTH), {"challenge": run.challenge})


# Rows go in primary-key order, so the key's index grows at its right edge instead of
# splitting pages all over (the join to agg_created usually sorts them anyway).
_RESULTS = f"""
    insert into monthly_results (
        user_id, month_start, month_end, total_points, activity_totals, rankings,
        challenge, badges_awarded, awards_awarded, job_run_id, created_at, updated_at)
    select s.user_id, :start, :end, s.total_points, {TOTALS_JSON},
           jsonb_build_object(
               'global', case when s.ranked then {_rank_object("s.g")} end,
               'friends', {_rank_object("s.f")}),
           jsonb_build_object('target', trim_scale(:challenge),
                              'achieved', s.challenge_achieved,
                              'totalPoints', trim_scale(s.total_points)),
           {MONTHLY_RULES.badge_list}, {MONTHLY_RULES.award_list},
           :run, coalesce(c.created_at, :now), :now
      from agg_month s
      left join agg_created c on c.user_id = s.user_id
     order by s.user_id
"""


async def write_month(conn: AsyncConnection, run: PeriodRun) -> None:
    """The month's monthly_results: one row per processed user (a re-run keeps each row's
    created_at, which `results.take_period_rows` kept)."""
    await conn.execute(
        text(_RESULTS),
        {
            "start": run.period.start,
            "end": run.period.end,
            "run": run.run_id,
            "now": run.now,
            "challenge": run.challenge,
            **MONTHLY_RULES.params,
        },
    )
