"""Weekly evaluation SQL (SPEC 4.1): goals, friends leaderboard, results, badges, awards.

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
from sportify_aggregator.queries import ACTIVITY_TOTALS_JSON, EARNED_LISTS_SQL, recipient_of
from sportify_aggregator.records import Summary, WeeklySummary
from sportify_aggregator.weekly import (
    AWARD_MAX_RANK,
    AWARD_MIN_PARTICIPANTS,
    BADGE_CHALLENGE,
    BADGE_EXERCISES,
    BADGE_POINTS,
)
from sportify_common.periods import Period

_ACTUAL = (
    "case g.goal_type when 'pullups' then s.pullups when 'pushups' then s.pushups "
    "when 'situps' then s.situps when 'running' then s.running "
    "when 'cycling' then s.cycling end"
)


async def create_week(conn: AsyncConnection, *, challenge: Decimal) -> None:
    """`agg_week`: per processed user the goals, leaderboard rank and what was earned."""
    await conn.execute(
        text(
            f"""
            create temp table agg_week on commit drop as
            with goals as (
                select g.user_id,
                       jsonb_object_agg(g.goal_type, trim_scale(g.target))
                           filter (where g.goal_type <> 'points') as exercise_targets,
                       bool_and({_ACTUAL} >= g.target)
                           filter (where g.goal_type <> 'points') as exercises_ok,
                       max(g.target) filter (where g.goal_type = 'points') as points_target
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
                   {ACTIVITY_TOTALS_JSON} as activity_totals,
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
        ),
        {"challenge": challenge},
    )
    await conn.execute(
        text(
            """
            insert into agg_badges (user_id, badge_slug)
            select user_id, :exercises from agg_week where exercises_achieved
            union all
            select user_id, :points from agg_week where points_achieved
            union all
            select user_id, :challenge_badge from agg_week where challenge_achieved
            """
        ),
        {
            "exercises": BADGE_EXERCISES,
            "points": BADGE_POINTS,
            "challenge_badge": BADGE_CHALLENGE,
        },
    )
    await conn.execute(
        text(
            """
            insert into agg_awards (user_id, award_type, scope, category, rank, metadata)
            select user_id, 'leaderboard', 'friends', 'points', rank,
                   jsonb_build_object('participantCount', participant_count,
                                      'totalPoints', trim_scale(total_points))
              from agg_week
             where rank <= :max_rank and participant_count >= :min_participants
               and total_points > 0
            """
        ),
        {"max_rank": AWARD_MAX_RANK, "min_participants": AWARD_MIN_PARTICIPANTS},
    )


async def write_week(
    conn: AsyncConnection, *, period: Period, challenge: Decimal, run_id: UUID, now: datetime
) -> None:
    """Replace the week's weekly_results and leaderboard_results with one row per processed
    user (a re-run keeps each weekly_results row's created_at)."""
    params = {"start": period.start, "end": period.end, "run": run_id, "now": now}
    await queries.take_period_rows(conn, period)
    await conn.execute(
        text(
            f"""
            insert into weekly_results (
                user_id, week_start, week_end, total_points, workouts_count, exercise_counts,
                activity_totals, goals, leaderboard_rank, badges_awarded, awards_awarded,
                job_run_id, created_at, updated_at)
            with {EARNED_LISTS_SQL}
            select w.user_id, :start, :end, w.total_points, w.workouts_count, w.exercise_counts,
                   w.activity_totals,
                   jsonb_build_object(
                       'exercises', jsonb_build_object('achieved', w.exercises_achieved,
                                                       'targets', w.exercise_targets),
                       'points', jsonb_build_object('achieved', w.points_achieved,
                                                    'target', trim_scale(w.points_target)),
                       'challenge', jsonb_build_object('achieved', w.challenge_achieved,
                                                       'target', trim_scale(:challenge))),
                   w.rank, coalesce(eb.badges, '[]'::jsonb), coalesce(ea.awards, '[]'::jsonb),
                   :run, coalesce(c.created_at, :now), :now
              from agg_week w
              left join earned_badges eb on eb.user_id = w.user_id
              left join earned_awards ea on ea.user_id = w.user_id
              left join agg_created c on c.user_id = w.user_id
            """
        ),
        {**params, "challenge": challenge},
    )
    await conn.execute(
        text("delete from leaderboard_results where week_start = :start"), {"start": period.start}
    )
    await conn.execute(
        text(
            """
            insert into leaderboard_results (week_start, user_id, rank, total_points, participant_count)
            select :start, user_id, rank, total_points, participant_count from agg_week
            """
        ),
        {"start": period.start},
    )


# The week's rows were written moments ago, so the planner's statistics see (almost) none of
# them. A join to leaderboard_results planned for one row became a nested loop that scanned the
# whole week per row (26 weeks of history: 522 s instead of 43 s for the run). The participant
# count is therefore one primary-key probe per row, whatever the estimate.
_SUMMARY_SQL = """
    select u.id as user_id, u.email, u.display_name, u.locale, u.email_notifications_enabled,
           r.total_points, r.workouts_count, r.exercise_counts, r.activity_totals, r.goals,
           coalesce(r.leaderboard_rank, 1) as rank,
           coalesce((select l.participant_count from leaderboard_results l
                      where l.week_start = r.week_start and l.user_id = r.user_id), 1)
               as participant_count,
           r.badges_awarded, r.awards_awarded
      from weekly_results r
      join users u on u.id = r.user_id
     where r.week_start = :start
     order by r.user_id
"""


def _summary(row: Any) -> WeeklySummary:
    # exercise_counts is not part of the email: not read (saves a jsonb decode per user).
    return WeeklySummary(
        recipient=recipient_of(row),
        total_points=float(row["total_points"]),
        workouts_count=int(row["workouts_count"]),
        activity_totals=row["activity_totals"],
        goals=row["goals"],
        rank=int(row["rank"]),
        participant_count=int(row["participant_count"]),
        badges=list(row["badges_awarded"]),
        awards=list(row["awards_awarded"]),
    )


async def summary_batches(
    engine: AsyncEngine, period: Period, *, size: int
) -> AsyncIterator[list[Summary]]:
    """The committed results of the week joined with their users, `size` rows at a time."""
    async for batch in queries.summary_batches(
        engine, _SUMMARY_SQL, period, size=size, build=_summary
    ):
        yield batch


async def compute(
    conn: AsyncConnection, *, period: Period, challenge: Decimal, run_id: UUID, now: datetime
) -> None:
    await create_week(conn, challenge=challenge)
    await write_week(conn, period=period, challenge=challenge, run_id=run_id, now=now)
