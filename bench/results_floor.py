"""The least work any results phase must do, timed against the bare SQL aggregation.

`uv run --frozen python bench/results_floor.py --database-url URL weekly|monthly LABEL`
on a database seeded by `bench/weekly.py --keep` or `bench/monthly.py --keep`.

The issues' target is "results committed within 3x the bare aggregation". This measures, in one
rolled-back transaction and the same cache state, only the parts SPEC 4.1 / 4.2 cannot do
without, each in its cheapest form:

- statistics: the per-user aggregates the results hold (points and the five quantities; weekly
  also the five counts and the workouts), materialized, no joins, no JSON;
- friend edges: accepted friendships in both directions, each pair once per direction (the
  form the evaluation uses: an anti-join instead of a DISTINCT over all edges);
- friends: one join of the friend edges with the statistics on both ends, counted per user
  (weekly: the leaderboard; monthly: the four categories at once);
- JSON: the jsonb columns SPEC 3 asks for (activity totals, goals or rankings and challenge, the
  award lists), built from the run's temp tables with nothing around them;
- writes: the run's own rows copied into a far period (weekly_results and leaderboard_results;
  monthly_results and awards), i.e. heap, indexes and WAL and nothing else.

Everything else counts as free: processed users, goal checks, global ranks, badges and awards
themselves, deleting earlier rows. Each statement runs under every planner choice below and its
best run counts. The real phase runs first to build its temp tables and rows (and is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.evaluation_bench import BARE_AGGREGATION_NAMED, results_phase_of
from sportify_aggregator import evaluation
from sportify_common.clock import utc_now
from sportify_common.db.engine import create_engine
from sportify_common.settings import load_settings
from sportify_common.vocabulary import ACTIVITY_TYPES, RANKING_CATEGORIES

_PERIOD = "w.start_time >= :start and w.start_time < :end"
_QUANTITIES = ", ".join(
    f"sum(a.quantity) filter (where a.activity_type = '{t}') as q_{t}" for t in ACTIVITY_TYPES
)
_COUNTS = ", ".join(
    f"count(*) filter (where a.activity_type = '{t}') as c_{t}" for t in ACTIVITY_TYPES
)
_PER_USER = (
    "from workouts w join workout_activities a on a.workout_id = w.id "
    f"where {_PERIOD} group by w.user_id"
)
# Far enough ahead that no seeded or evaluated period is there.
_SHIFT = "interval '20 years'"

_ACTIVITY_TOTALS = (
    "activity totals as JSON",
    "create temp table floor_totals as select user_id, jsonb_build_object("
    + ", ".join(f"'{t}', {t}" for t in ACTIVITY_TYPES)
    + ") as activity_totals from agg_stats",
)
_AWARD_LISTS = (
    "award lists as JSON",
    "create temp table floor_lists as select user_id, jsonb_agg(jsonb_build_object("
    "'awardType', award_type, 'scope', scope, 'category', category, 'rank', rank)) as awards "
    "from agg_awards group by user_id",
)
_FRIEND_EDGES = (
    "friend edges",
    "create temp table floor_edges as "
    "select f.user_id, f.friend_id from friendships f where f.status = 'accepted' "
    "union all select f.friend_id, f.user_id from friendships f where f.status = 'accepted' "
    "and not exists (select 1 from friendships r where r.user_id = f.friend_id "
    "and r.friend_id = f.user_id and r.status = 'accepted')",
)
_RANKS = ", ".join(f"'{c}', {{p}}_{c}" for c in RANKING_CATEGORIES)

_FLOOR: dict[str, list[tuple[str, str]]] = {
    "weekly": [
        (
            "statistics",
            f"create temp table floor_stats as select w.user_id, sum(a.points) as points, "
            f"{_QUANTITIES}, {_COUNTS} {_PER_USER}",
        ),
        (
            "workouts counted",
            "create temp table floor_workouts as select w.user_id, count(*) as n "
            f"from workouts w where {_PERIOD} group by w.user_id",
        ),
        _FRIEND_EDGES,
        (
            "friends leaderboard",
            "create temp table floor_board as select f.user_id, count(*) as friends, "
            "count(*) filter (where o.total_points > s.total_points) as greater "
            "from agg_friends f join agg_stats s on s.user_id = f.user_id "
            "join agg_stats o on o.user_id = f.friend_id group by f.user_id",
        ),
        _ACTIVITY_TOTALS,
        (
            "goals as JSON",
            "create temp table floor_goals as select user_id, jsonb_build_object("
            "'exercises', jsonb_build_object('achieved', exercises_achieved, "
            "'targets', exercise_targets), "
            "'points', jsonb_build_object('achieved', points_achieved, 'target', points_target), "
            "'challenge', jsonb_build_object('achieved', challenge_achieved, 'target', 150)) "
            "as goals from agg_week",
        ),
        _AWARD_LISTS,
        (
            "weekly_results written",
            f"insert into weekly_results select user_id, week_start + {_SHIFT}, "
            f"week_end + {_SHIFT}, total_points, workouts_count, exercise_counts, "
            "activity_totals, goals, leaderboard_rank, badges_awarded, awards_awarded, "
            "job_run_id, created_at, updated_at from floor_rows",
        ),
        (
            "leaderboard_results written",
            f"insert into leaderboard_results select week_start + {_SHIFT}, user_id, rank, "
            "total_points, participant_count from floor_board_rows",
        ),
    ],
    "monthly": [
        (
            "statistics",
            "create temp table floor_stats as select w.user_id, sum(a.points) as points, "
            f"{_QUANTITIES} {_PER_USER}",
        ),
        _FRIEND_EDGES,
        (
            "friends rankings",
            "create temp table floor_board as select f.user_id, "
            + ", ".join(
                f"count(*) filter (where o.{c} > 0) as n_{c}, "
                f"count(*) filter (where o.{c} > s.{c}) as gt_{c}"
                for c in ("total_points", "pullups", "pushups", "situps")  # agg_stats columns
            )
            + " from agg_friends f join agg_stats s on s.user_id = f.user_id "
            "join agg_stats o on o.user_id = f.friend_id group by f.user_id",
        ),
        _ACTIVITY_TOTALS,
        (
            "rankings and challenge as JSON",
            "create temp table floor_rankings as select user_id, jsonb_build_object("
            f"'global', case when ranked then jsonb_build_object({_RANKS.format(p='g')}) end, "
            f"'friends', jsonb_build_object({_RANKS.format(p='f')})) as rankings, "
            "jsonb_build_object('target', 1000, 'achieved', challenge_achieved, "
            "'totalPoints', total_points) as challenge from agg_month",
        ),
        _AWARD_LISTS,
        (
            "monthly_results written",
            f"insert into monthly_results select user_id, month_start + {_SHIFT}, "
            f"month_end + {_SHIFT}, total_points, activity_totals, rankings, challenge, "
            "badges_awarded, awards_awarded, job_run_id, created_at, updated_at from floor_rows",
        ),
        (
            "awards written",
            "insert into awards (user_id, award_type, period_kind, period_start, scope, "
            f"category, rank, metadata, awarded_at, job_run_id) select user_id, award_type, "
            f"period_kind, period_start + {_SHIFT}, scope, category, rank, metadata, "
            "awarded_at, job_run_id from floor_awards",
        ),
    ],
}

# The run's rows, copied aside untimed so that each write reads a temp table as the run does.
_COPIES = {
    "weekly": [
        "create temp table floor_rows as select * from weekly_results where week_start = :start",
        "create temp table floor_board_rows as "
        "select * from leaderboard_results where week_start = :start",
    ],
    "monthly": [
        "create temp table floor_rows as select * from monthly_results where month_start = :start",
        "create temp table floor_awards as select * from awards "
        "where period_kind = 'monthly' and period_start = :start",
    ],
}


# Each statement runs under every combination (the best counts): hashing or sorting, the
# evaluation's work_mem or the server default.
_PLANNER_CHOICES: tuple[tuple[str, ...], ...] = (
    (),
    ("set local enable_hashagg = off",),
    ("set local work_mem = default",),
    ("set local enable_hashagg = off", "set local work_mem = default"),
)


async def _timed(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> float:
    began = time.perf_counter()
    await conn.execute(text(sql), params)
    return time.perf_counter() - began


async def measure(url: str, kind: str, label: str, repeat: int) -> None:
    settings = load_settings(database_url=url)
    period, evaluator = results_phase_of(kind, label, settings)
    params = {"start": period.start, "end": period.end}
    engine = create_engine(settings)
    try:
        async with engine.connect() as conn:
            # As bench/weekly.py times it: the rows fetched by the client, best of the runs.
            bare = min(
                [await _timed(conn, BARE_AGGREGATION_NAMED, params) for _ in range(repeat + 1)]
            )
            await conn.rollback()
            trans = await conn.begin()
            began = time.perf_counter()
            await evaluation.compute_results(conn, settings, evaluator, period, uuid4(), utc_now())
            phase = time.perf_counter() - began
            for sql in _COPIES[kind]:
                await conn.execute(text(sql), params)
            floor: list[tuple[str, float]] = []
            for name, sql in _FLOOR[kind]:
                runs = []
                for settings_sql in _PLANNER_CHOICES:
                    for _ in range(repeat):
                        await conn.execute(text("savepoint floor"))
                        for setting in settings_sql:
                            await conn.execute(text(setting))
                        runs.append(await _timed(conn, sql, params))
                        await conn.execute(text("rollback to savepoint floor"))
                floor.append((name, min(runs)))
            await trans.rollback()
    finally:
        await engine.dispose()
    total = sum(seconds for _, seconds in floor)
    print(f"{kind} {label}: bare SQL aggregation {bare:.2f} s (best of {repeat + 1})")
    for name, seconds in floor:
        print(f"  {name:30} {seconds:6.2f} s  {seconds / bare:4.2f}x bare")
    print(f"  {'floor (sum of the best runs)':30} {total:6.2f} s  {total / bare:4.2f}x bare")
    print(f"  {'the real results phase':30} {phase:6.2f} s  {phase / bare:4.2f}x bare")
    print(f"  target: results committed <= 3x bare = {3 * bare:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://...")
    parser.add_argument("kind", choices=["weekly", "monthly"])
    parser.add_argument("label", help="the week's Monday (YYYY-MM-DD) or the month (YYYY-MM)")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs per statement and planner choice (best counts)"
    )
    args = parser.parse_args()
    asyncio.run(measure(args.database_url, args.kind, args.label, args.repeat))


if __name__ == "__main__":
    main()
