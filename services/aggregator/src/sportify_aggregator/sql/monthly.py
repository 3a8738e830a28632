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
from sportify_aggregator.sql.prepare import group_by_sorting

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


# The N of every global "n of N": the ranked users with a value > 0, per category (one row).
_GLOBAL_COUNTS = (
    "create temp table agg_global_counts on commit drop as select "
    + ", ".join(
        f"count(*) filter (where s.ranked and s.{CATEGORY_COLUMNS[c]} > 0)::int as n_{c}"
        for c in CATEGORIES
    )
    + " from agg_stats s"
)


async def create_global_ranks(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_global`: per processed user the global rank in each category (null when not
    ranked); `agg_global_counts`: how many are ranked in each.

    A step of its own: a preview ranks one user globally among everyone, then evaluates only
    that user's circle (`preview`)."""
    await conn.execute(text(_GLOBAL_RANKS))
    await conn.execute(text(_GLOBAL_COUNTS))


def _circle_sum(category: str) -> str:
    value = CATEGORY_COLUMNS[category]
    if value == "total_points":
        return "sum(a.points) as total_points"
    return f"sum(a.quantity) filter (where a.activity_type = '{value}') as {value}"


def _ranked_rank(category: str) -> str:
    """`_global_rank` among rows that are all opted in: null-valued rows sort last, unranked."""
    value = CATEGORY_COLUMNS[category]
    return (
        f"case when r.{value} > 0 then rank() over "
        f"(order by case when r.{value} > 0 then r.{value} end desc nulls last) end as g_{category}"
    )


# The global rule of `_GLOBAL_RANKS` and `_GLOBAL_COUNTS` for a preview's circle only: the
# four ranked values summed over the real inputs, without the other statistics, the processed
# users' table or a ranks table for everyone. A user without activity in the month has no
# value > 0, so is unranked either way; the preview-equals-run tests hold the two to each other.
_CIRCLE_GLOBAL_RANKS = f"""
    create temp table agg_global on commit drop as
    with per_user as (
        select w.user_id, {", ".join(_circle_sum(c) for c in CATEGORIES)}
          from public.workouts w
          join public.workout_activities a on a.workout_id = w.id
         where w.start_time >= :start and w.start_time < :end
         group by w.user_id),
    ranked as materialized (
        select p.* from per_user p
          join public.users u on u.id = p.user_id
         where u.deleted_at is null and u.created_at < :end and u.show_in_global_rankings),
    ranks as (
        select r.user_id, {", ".join(_ranked_rank(c) for c in CATEGORIES)} from ranked r),
    counts as (
        select {", ".join(f"count(*) filter (where r.{CATEGORY_COLUMNS[c]} > 0)::int as n_{c}" for c in CATEGORIES)}
          from ranked r)
    select c.user_id, {", ".join(f"k.g_{c}" for c in CATEGORIES)},
           {", ".join(f"t.n_{c}" for c in CATEGORIES)}
      from pg_temp.preview_circle c
     cross join counts t
      left join ranks k on k.user_id = c.user_id
"""


# Every circle row carries the month's counts; one of them is `agg_global_counts`.
_CIRCLE_GLOBAL_COUNTS = (
    "create temp table agg_global_counts on commit drop as select "
    + ", ".join(f"n_{c}" for c in CATEGORIES)
    + " from pg_temp.agg_global limit 1"
)


async def create_circle_global_ranks(conn: AsyncConnection, run: PeriodRun) -> None:
    """A preview's `agg_global` (its circle's rows, each with the month's counts) and
    `agg_global_counts`, from the real inputs; `preview_circle` must exist."""
    await group_by_sorting(conn, text(_CIRCLE_GLOBAL_RANKS), run.period)
    await conn.execute(text(_CIRCLE_GLOBAL_COUNTS))


async def create_month(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_month`: per processed user the rankings and the challenge."""
    await conn.execute(text(_MONTH), {"challenge": run.challenge})


# Rows go in primary-key order, so the key's index grows at its right edge instead of
# splitting pages all over (the join to agg_created usually sorts them anyway).
_RESULTS = f"""
    insert into monthly_results (
        user_id, month_start, month_end, total_points, workouts_count, active_days,
        activity_totals, rankings, challenge, badges_awarded, awards_awarded, job_run_id,
        created_at, updated_at)
    select s.user_id, :start, :end, s.total_points, coalesce(d.workouts_count, 0),
           coalesce(d.active_days, 0), {TOTALS_JSON},
           jsonb_build_object(
               'global', case when s.ranked then {_rank_object("s.g")} end,
               'friends', {_rank_object("s.f")},
               'friendsCount', {_rank_object("s.n")},
               'globalCount', (select {_rank_object("t.n")} from agg_global_counts t)),
           jsonb_build_object('target', trim_scale(:challenge),
                              'achieved', s.challenge_achieved,
                              'totalPoints', trim_scale(s.total_points)),
           {MONTHLY_RULES.badge_list}, {MONTHLY_RULES.award_list},
           :run, coalesce(c.created_at, :now), :now
      from agg_month s
      left join agg_created c on c.user_id = s.user_id
      left join agg_days d on d.user_id = s.user_id
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
