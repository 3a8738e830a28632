"""Results: a period's result rows replaced, and the committed ones streamed as summaries.

`take_period_rows` deletes the period's weekly_results / monthly_results before the period
stage writes them anew; `summary_batches` reads them back, joined with their users, after the
commit (SPEC 4.3).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Final
from uuid import UUID

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.records import MonthlySummary, PeriodRun, Recipient, Summary, WeeklySummary
from sportify_common.periods import Period, PeriodKind

# One delete and plain inserts instead of an upsert per row: on a period's first run there is
# nothing to delete (the period index finds that at once) and the insert skips the conflict
# check; a user no longer processed is simply not written again. When each row was first
# created is kept in `agg_created` (user_id, created_at).
_TAKE_ROWS: Final = {
    PeriodKind.WEEKLY: """
        with gone as (delete from weekly_results where week_start = :start
                      returning user_id, created_at)
        insert into agg_created select user_id, created_at from gone
    """,
    PeriodKind.MONTHLY: """
        with gone as (delete from monthly_results where month_start = :start
                      returning user_id, created_at)
        insert into agg_created select user_id, created_at from gone
    """,
}


async def take_period_rows(conn: AsyncConnection, run: PeriodRun) -> None:
    """Delete the period's result rows before they are written anew, keeping their created_at."""
    await conn.execute(
        text(
            "create temp table agg_created (user_id uuid not null, "
            "created_at timestamptz not null) on commit drop"
        )
    )
    await conn.execute(text(_TAKE_ROWS[run.period.kind]), {"start": run.period.start})


# The week's rows were written moments ago, so the planner's statistics see (almost) none of
# them: a join to leaderboard_results planned for one row became a nested loop that scanned the
# whole week per row. The participant count is therefore one primary-key probe per row,
# whatever the estimate.
SUMMARY_SQL: Final[Mapping[PeriodKind, str]] = {
    PeriodKind.WEEKLY: """
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
    """,
    PeriodKind.MONTHLY: """
        select u.id as user_id, u.email, u.display_name, u.locale, u.email_notifications_enabled,
               r.total_points, r.activity_totals, r.rankings, r.challenge,
               r.badges_awarded, r.awards_awarded
          from monthly_results r
          join users u on u.id = r.user_id
         where r.month_start = :start
         order by r.user_id
    """,
}


def summary_of(kind: PeriodKind, row: Any) -> Summary:
    """One row of `SUMMARY_SQL[kind]` as the summary the email rules take."""
    recipient = Recipient(
        user_id=row["user_id"],
        email=row["email"],
        display_name=row["display_name"],
        locale=row["locale"],
        notifications_enabled=bool(row["email_notifications_enabled"]),
    )
    if kind is PeriodKind.WEEKLY:
        # exercise_counts is not part of the email: not read (saves a jsonb decode per user).
        return WeeklySummary(
            recipient=recipient,
            total_points=float(row["total_points"]),
            workouts_count=int(row["workouts_count"]),
            activity_totals=row["activity_totals"],
            goals=row["goals"],
            rank=int(row["rank"]),
            participant_count=int(row["participant_count"]),
            badges=list(row["badges_awarded"]),
            awards=list(row["awards_awarded"]),
        )
    return MonthlySummary(
        recipient=recipient,
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
    """The period's committed results joined with their users, `size` rows at a time (streamed)."""
    kind = period.kind
    async with engine.connect() as conn:
        result = await conn.stream(text(SUMMARY_SQL[kind]), {"start": period.start})
        async for rows in result.mappings().partitions(size):
            yield [summary_of(kind, row) for row in rows]


_RESULT_ROW: Final = {
    PeriodKind.WEEKLY: "select * from weekly_results where week_start = :start and user_id = :user",
    PeriodKind.MONTHLY: (
        "select * from monthly_results where month_start = :start and user_id = :user"
    ),
}


async def user_summary(conn: AsyncConnection, period: Period, user_id: UUID) -> Summary | None:
    """One user's summary, read as `summary_batches` reads everyone's (a preview's, SPEC 12.3)."""
    kind = period.kind
    result = await conn.execute(
        text(f"select * from ({SUMMARY_SQL[kind]}) s where s.user_id = :user"),
        {"start": period.start, "user": user_id},
    )
    row = result.mappings().one_or_none()
    return None if row is None else summary_of(kind, row)


async def user_result_row(
    conn: AsyncConnection, period: Period, user_id: UUID
) -> RowMapping | None:
    """One user's results row of the period, every column."""
    result = await conn.execute(
        text(_RESULT_ROW[period.kind]), {"start": period.start, "user": user_id}
    )
    return result.mappings().one_or_none()
