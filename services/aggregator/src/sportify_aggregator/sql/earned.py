"""Earned: the badges and awards of a period (SPEC 4.1, 4.2), from one rule table per period.

A rule is SQL over one row `s` of the period's table (`agg_week`, `agg_month`): when its
condition holds, the user earns the badge or award. The same rule fills `agg_badges` /
`agg_awards` (which `write_badges_and_awards` makes the period's `user_badges` / `awards`) and
the results' `badges_awarded` / `awards_awarded` lists, built per row rather than aggregated
per user afterwards (the faster of the two: bench/README.md). Slugs, scopes and categories
enter the SQL only through `literal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator import monthly, weekly
from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql.columns import CATEGORY_COLUMNS
from sportify_aggregator.sql.literals import literal
from sportify_common.vocabulary import POINTS


@dataclass(frozen=True, slots=True)
class Rule:
    """One badge or award, as SQL over a row `s` of the period's table."""

    condition: str  # when it is earned
    columns: str  # its row in agg_badges / agg_awards after user_id
    entry: str  # its entry in badges_awarded / awards_awarded


def badge(slug: str, condition: str) -> Rule:
    return Rule(condition, literal(slug), f"to_jsonb({literal(slug)}::text)")


def award(
    award_type: str, scope: str, category: str, *, rank: str, condition: str, metadata: str
) -> Rule:
    key = ", ".join(literal(v) for v in (award_type, scope, category))
    entry = (
        f"jsonb_build_object('awardType', {literal(award_type)}, 'scope', {literal(scope)}, "
        f"'category', {literal(category)}, 'rank', {rank})"
    )
    return Rule(condition, f"{key}, {rank}, {metadata}", entry)


@dataclass(frozen=True, slots=True)
class RuleTable:
    """What a period's users can earn. The lists come out in the rules' order."""

    source: str  # the period's table, read as `s`
    badges: tuple[Rule, ...]
    awards: tuple[Rule, ...]
    params: Mapping[str, int]  # the bind parameters the rules use (besides :challenge)

    def rows(self, rules: tuple[Rule, ...]) -> str:
        return "\nunion all\n".join(
            f"select s.user_id, {r.columns} from {self.source} s where {r.condition}" for r in rules
        )

    @property
    def badge_list(self) -> str:
        return _list(self.badges)

    @property
    def award_list(self) -> str:
        return _list(self.awards)


def _list(rules: tuple[Rule, ...]) -> str:
    """A jsonb array of what the row `s` earned, in the rules' order."""
    items = ", ".join(f"case when {r.condition} then {r.entry} end" for r in rules)
    return f"to_jsonb(array_remove(array[{items}]::jsonb[], null))"


WEEKLY_RULES: Final = RuleTable(
    "agg_week",
    # In the order of badges_awarded: by slug.
    badges=(
        badge(weekly.BADGE_CHALLENGE, "s.challenge_achieved"),
        badge(weekly.BADGE_EXERCISES, "s.exercises_achieved"),
        badge(weekly.BADGE_POINTS, "s.points_achieved"),
    ),
    awards=(
        award(
            weekly.AWARD_LEADERBOARD,
            "friends",
            POINTS,
            rank="s.rank",
            condition="s.rank <= :max_rank and s.participant_count >= :min_participants "
            "and s.total_points > 0",
            metadata="jsonb_build_object('participantCount', s.participant_count, "
            "'totalPoints', trim_scale(s.total_points))",
        ),
    ),
    params={"max_rank": weekly.AWARD_MAX_RANK, "min_participants": weekly.AWARD_MIN_PARTICIPANTS},
)

# agg_month's rank columns: g_<category> (global), f_<category> (friends), n_<category>
# (friends taking part).
_RANK_PREFIX = {"global": "g", "friends": "f"}


def _category_award(scope: str, category: str) -> Rule:
    """Rank 1-3 in a category, globally or among friends (friends: enough participants)."""
    rank = f"s.{_RANK_PREFIX[scope]}_{category}"
    condition, metadata = (
        f"{rank} <= :max_rank",
        f"'value', trim_scale(s.{CATEGORY_COLUMNS[category]})",
    )
    if scope == "friends":
        condition += f" and s.n_{category} >= :min_participants"
        metadata += f", 'participantCount', s.n_{category}"
    return award(
        monthly.AWARD_CATEGORY_RANK,
        scope,
        category,
        rank=rank,
        condition=condition,
        metadata=f"jsonb_build_object({metadata})",
    )


MONTHLY_RULES: Final = RuleTable(
    "agg_month",
    badges=(badge(monthly.BADGE_CHALLENGE, "s.challenge_achieved"),),
    # In the order of awards_awarded: award type, scope, category.
    awards=(
        *(_category_award(scope, c) for scope in ("friends", "global") for c in CATEGORY_COLUMNS),
        award(
            monthly.AWARD_CHAMPION,
            "",
            "",
            rank="null::int",
            condition="s.challenge_achieved",
            metadata="jsonb_build_object('totalPoints', trim_scale(s.total_points), "
            "'target', trim_scale(:challenge))",
        ),
    ),
    params={
        "max_rank": monthly.AWARD_MAX_RANK,
        "min_participants": monthly.FRIENDS_MIN_PARTICIPANTS,
    },
)


async def earn_week(conn: AsyncConnection, run: PeriodRun) -> None:
    """agg_badges / agg_awards from agg_week."""
    await _earn(conn, WEEKLY_RULES, run)


async def earn_month(conn: AsyncConnection, run: PeriodRun) -> None:
    """agg_badges / agg_awards from agg_month."""
    await _earn(conn, MONTHLY_RULES, run)


async def _earn(conn: AsyncConnection, rules: RuleTable, run: PeriodRun) -> None:
    params = {**rules.params, "challenge": run.challenge}
    badges = "insert into agg_badges (user_id, badge_slug) " + rules.rows(rules.badges)
    await conn.execute(text(badges), params)
    awards = "insert into agg_awards (user_id, award_type, scope, category, rank, metadata) "
    await conn.execute(text(awards + rules.rows(rules.awards)), params)


async def write_badges_and_awards(conn: AsyncConnection, run: PeriodRun) -> None:
    """Make `user_badges` / `awards` of the period exactly `agg_badges` / `agg_awards`.

    Rows that are no longer earned are deleted; existing ones keep their `awarded_at`
    (an award's rank and metadata follow the recomputation). The badges' delete uses NOT IN
    over the (non-null) temp columns: a hashed subplan whatever the planner believes about
    the size of the period's existing rows (stale statistics once chose a nested loop), so
    the temp tables need no ANALYZE.
    """
    period = {"kind": run.period.kind.value, "start": run.period.start}
    params: dict[str, Any] = {**period, "now": run.now, "run": run.run_id}
    await conn.execute(
        text(
            """
            delete from user_badges b
             where b.period_kind = :kind and b.period_start = :start
               and (b.user_id, b.badge_slug) not in (select user_id, badge_slug from agg_badges)
            """
        ),
        period,
    )
    await conn.execute(
        text(
            """
            insert into user_badges (user_id, badge_slug, period_kind, period_start, awarded_at, job_run_id)
            select user_id, badge_slug, :kind, :start, :now, :run from agg_badges
            on conflict (user_id, badge_slug, period_start) do nothing
            """
        ),
        params,
    )
    await _replace_awards(conn, period, params)


async def _replace_awards(conn: AsyncConnection, period: Any, params: Any) -> None:
    """One delete through the period index, then plain inserts in unique-key order.

    An upsert per award spends most of a first run (the usual case) on conflict checks that
    find nothing, and unordered inserts scatter over the unique index. An award earned again
    keeps its id and awarded_at, and its job_run_id unless its rank or metadata changed.
    """
    await conn.execute(
        text(
            """
            create temp table agg_awarded (
                user_id uuid not null, award_type text not null, scope text not null,
                category text not null, id uuid not null, rank int, metadata jsonb not null,
                awarded_at timestamptz not null, job_run_id uuid
            ) on commit drop
            """
        )
    )
    await conn.execute(
        text(
            """
            with gone as (
                delete from awards a where a.period_kind = :kind and a.period_start = :start
                returning a.user_id, a.award_type, a.scope, a.category, a.id, a.rank, a.metadata,
                          a.awarded_at, a.job_run_id)
            insert into agg_awarded select * from gone
            """
        ),
        period,
    )
    await conn.execute(
        text(
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
            """
        ),
        params,
    )
