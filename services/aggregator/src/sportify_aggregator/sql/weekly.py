"""Weekly (SPEC 4.1): goals and friends leaderboard per processed user, then the week's rows.

Runs on the temp tables of `prepare` (agg_users, agg_friends, agg_stats) in one transaction;
`agg_week` is what `earned.WEEKLY_RULES` read.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql.columns import GOAL_ACTUAL, POINTS_GOAL, TOTALS_JSON
from sportify_aggregator.sql.earned import WEEKLY_RULES

_WEEK = f"""
    create temp table agg_week on commit drop as
    with goals as (
        select g.user_id,
               jsonb_object_agg(g.goal_type, trim_scale(g.target))
                   filter (where g.goal_type <> {POINTS_GOAL}) as exercise_targets,
               bool_and({GOAL_ACTUAL} >= g.target)
                   filter (where g.goal_type <> {POINTS_GOAL}) as exercises_ok,
               max(g.target) filter (where g.goal_type = {POINTS_GOAL}) as points_target
          from user_weekly_goals g
          join agg_stats s on s.user_id = g.user_id
         group by g.user_id),
    board as (
        select f.user_id, count(*) as friends,
               count(*) filter (where o.total_points > s.total_points) as greater
          from agg_friends f
          join agg_stats s on s.user_id = f.user_id
          join agg_stats o on o.user_id = f.friend_id
         group by f.user_id)
    select s.user_id, s.total_points, s.workouts_count, s.exercise_counts,
           {TOTALS_JSON} as activity_totals,
           (1 + coalesce(b.greater, 0))::int as rank,
           (1 + coalesce(b.friends, 0))::int as participant_count,
           coalesce(g.exercises_ok, false) as exercises_achieved,
           coalesce(g.exercise_targets, '{{}}'::jsonb) as exercise_targets,
           g.points_target,
           coalesce(s.total_points >= g.points_target, false) as points_achieved,
           s.total_points >= :challenge as challenge_achieved
      from agg_stats s
      left join goals g on g.user_id = s.user_id
      left join board b on b.user_id = s.user_id
"""


async def create_week(conn: AsyncConnection, run: PeriodRun) -> None:
    """`agg_week`: per processed user the goals and the leaderboard rank."""
    await conn.execute(text(_WEEK), {"challenge": run.challenge})


_RESULTS = f"""
    insert into weekly_results (
        user_id, week_start, week_end, total_points, workouts_count, exercise_counts,
        activity_totals, goals, leaderboard_rank, streak_weeks, badges_awarded, awards_awarded,
        job_run_id, created_at, updated_at)
    select s.user_id, :start, :end, s.total_points, s.workouts_count, s.exercise_counts,
           s.activity_totals,
           jsonb_build_object(
               'exercises', jsonb_build_object('achieved', s.exercises_achieved,
                                               'targets', s.exercise_targets),
               'points', jsonb_build_object('achieved', s.points_achieved,
                                            'target', trim_scale(s.points_target)),
               'challenge', jsonb_build_object('achieved', s.challenge_achieved,
                                               'target', trim_scale(:challenge))),
           s.rank, coalesce(k.streak_weeks, 0), {WEEKLY_RULES.badge_list},
           {WEEKLY_RULES.award_list}, :run, coalesce(c.created_at, :now), :now
      from agg_week s
      left join agg_created c on c.user_id = s.user_id
      left join agg_streaks k on k.user_id = s.user_id
"""


async def write_week(conn: AsyncConnection, run: PeriodRun) -> None:
    """The week's weekly_results and leaderboard_results: one row per processed user (a re-run
    keeps each weekly_results row's created_at, which `results.take_period_rows` kept)."""
    start = {"start": run.period.start}
    await conn.execute(
        text(_RESULTS),
        {
            **start,
            "end": run.period.end,
            "run": run.run_id,
            "now": run.now,
            "challenge": run.challenge,
            **WEEKLY_RULES.params,
        },
    )
    await conn.execute(text("delete from leaderboard_results where week_start = :start"), start)
    await conn.execute(
        text(
            """
            insert into leaderboard_results (week_start, user_id, rank, total_points, participant_count)
            select :start, user_id, rank, total_points, participant_count from agg_week
            """
        ),
        start,
    )
