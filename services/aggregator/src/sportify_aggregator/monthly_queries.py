"""Monthly evaluation SQL (SPEC 4.2): global and friends rankings, challenge, results, awards.

Runs on the temp tables of `queries` (agg_users, agg_friends, agg_stats) in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from sportify_aggregator.queries import ACTIVITY_TOTALS_JSON, recipient_of
from sportify_aggregator.records import MonthlySummary, Summary
from sportify_common.periods import Period

# category -> its column in agg_stats
_VALUE = {"points": "total_points", "pullups": "pullups", "pushups": "pushups", "situps": "situps"}
# ranking scope -> the prefix of its rank columns in agg_month (g_points, f_points, ...)
_RANK_PREFIX = {"global": "g", "friends": "f"}


def _global_rank(category: str) -> str:
    """Rank among opted-in users with a value > 0. The sort key is the value itself (null for
    everyone else, sorted last), not a partition flag followed by the value: a leading numeric
    key lets the sort compare abbreviated keys (100,000 users, four categories: 1.4 -> 1.0 s)."""
    value = _VALUE[category]
    ranked = f"s.ranked and s.{value} > 0"
    return (
        f"case when {ranked} then rank() over "
        f"(order by case when {ranked} then s.{value} end desc nulls last) end as g_{category}"
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


def _literal(value: str) -> str:
    """A code constant (slug, scope, category) as an SQL string literal."""
    if not re.fullmatch(r"[a-z-]*", value):
        raise ValueError(f"not a plain constant: {value!r}")
    return f"'{value}'"


@dataclass(frozen=True, slots=True)
class _Earned:
    """A badge or award a processed user may earn this month, as SQL over a row `s` of
    agg_month: the same rule fills agg_badges / agg_awards and the results' lists."""

    when: str  # the condition
    row: str  # its columns in agg_badges / agg_awards after user_id
    item: str  # its entry in badges_awarded / awards_awarded


def _award(award_type: str, scope: str, category: str, rank: str, when: str, meta: str) -> _Earned:
    key = ", ".join(_literal(v) for v in (award_type, scope, category))
    return _Earned(
        when=when,
        row=f"{key}, {rank}, {meta}",
        item=f"jsonb_build_object('awardType', {_literal(award_type)}, 'scope', "
        f"{_literal(scope)}, 'category', {_literal(category)}, 'rank', {rank})",
    )


def _category_award(scope: str, category: str) -> _Earned:
    """Rank 1-3 in a category, globally or among friends (friends: enough participants)."""
    rank, value = f"s.{_RANK_PREFIX[scope]}_{category}", f"trim_scale(s.{_VALUE[category]})"
    when, metadata = f"{rank} <= :max_rank", f"'value', {value}"
    if scope == "friends":
        when += f" and s.n_{category} >= :min_participants"
        metadata += f", 'participantCount', s.n_{category}"
    return _award(
        AWARD_CATEGORY_RANK, scope, category, rank, when, f"jsonb_build_object({metadata})"
    )


# In the order of awards_awarded: award type, scope, category.
_AWARDS = (
    *(_category_award(scope, c) for scope in ("friends", "global") for c in CATEGORIES),
    _award(
        AWARD_CHAMPION,
        "",
        "",
        "null::int",
        "s.challenge_achieved",
        "jsonb_build_object('totalPoints', trim_scale(s.total_points), "
        "'target', trim_scale(:challenge))",
    ),
)
_BADGES = (
    _Earned(
        when="s.challenge_achieved",
        row=_literal(BADGE_CHALLENGE),
        item=f"to_jsonb({_literal(BADGE_CHALLENGE)}::text)",
    ),
)
# The bind parameters the rules use.
_RULE_PARAMS = {"max_rank": AWARD_MAX_RANK, "min_participants": FRIENDS_MIN_PARTICIPANTS}


def _earned_rows(earned: tuple[_Earned, ...]) -> str:
    return "\nunion all\n".join(
        f"select s.user_id, {e.row} from agg_month s where {e.when}" for e in earned
    )


def _earned_list(earned: tuple[_Earned, ...]) -> str:
    """A jsonb array of what the row `s` earned, in the rules' order. Built per row, not by
    aggregating agg_awards per user: a sorted jsonb_agg per user took 1.1 s for 120,000
    awards."""
    items = ", ".join(f"case when {e.when} then {e.item} end" for e in earned)
    return f"to_jsonb(array_remove(array[{items}]::jsonb[], null))"


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
        text("insert into agg_badges (user_id, badge_slug) " + _earned_rows(_BADGES)),
        _RULE_PARAMS,
    )
    await conn.execute(
        text(
            "insert into agg_awards (user_id, award_type, scope, category, rank, metadata) "
            + _earned_rows(_AWARDS)
        ),
        {**_RULE_PARAMS, "challenge": challenge},
    )


async def write_month(
    conn: AsyncConnection, *, period: Period, challenge: Decimal, run_id: UUID, now: datetime
) -> None:
    """Replace the month's monthly_results with one row per processed user (a re-run keeps each
    row's created_at). Rows go in primary-key order, so the key's index grows at its right edge
    instead of splitting pages all over (the join to agg_created usually sorts them anyway)."""
    await queries.take_period_rows(conn, period)
    await conn.execute(
        text(
            f"""
            insert into monthly_results (
                user_id, month_start, month_end, total_points, activity_totals, rankings,
                challenge, badges_awarded, awards_awarded, job_run_id, created_at, updated_at)
            select s.user_id, :start, :end, s.total_points, {ACTIVITY_TOTALS_JSON},
                   jsonb_build_object(
                       'global', case when s.ranked then {_rank_object("s.g")} end,
                       'friends', {_rank_object("s.f")}),
                   jsonb_build_object('target', trim_scale(:challenge),
                                      'achieved', s.challenge_achieved,
                                      'totalPoints', trim_scale(s.total_points)),
                   {_earned_list(_BADGES)}, {_earned_list(_AWARDS)},
                   :run, coalesce(c.created_at, :now), :now
              from agg_month s
              left join agg_created c on c.user_id = s.user_id
             order by s.user_id
            """
        ),
        {
            "start": period.start,
            "end": period.end,
            "run": run_id,
            "now": now,
            "challenge": challenge,
            **_RULE_PARAMS,
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
