"""Results: a period's result rows replaced, and the committed ones streamed as summaries.

`take_period_rows` deletes the period's weekly_results / monthly_results before the period
stage writes them anew; `summary_batches` reads them back, joined with their users, after the
commit (SPEC 4.3).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import tzinfo
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.records import (
    MonthlySummary,
    PeriodRun,
    PreviousFigures,
    Recipient,
    Summary,
    WeeklySummary,
)
from sportify_aggregator.sql.boards import BoardsInFlight
from sportify_aggregator.sql.columns import QUANTITY_SUMS, TYPES
from sportify_common.periods import Period, PeriodKind, previous

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
# whatever the estimate; so is the previous period's row (`:previous`, its start).
# The reader and this period's figures: the same in both shapes of the summary statement.
_WEEKLY_COLUMNS = """
    u.id as user_id, u.email, u.display_name, u.locale, u.email_notifications_enabled,
    r.total_points, r.workouts_count, r.exercise_counts, r.activity_totals, r.goals,
    coalesce(r.leaderboard_rank, 1) as rank,
    coalesce((select l.participant_count from leaderboard_results l
               where l.week_start = r.week_start and l.user_id = r.user_id), 1)
        as participant_count,
    r.streak_weeks, r.badges_awarded, r.awards_awarded"""
_MONTHLY_COLUMNS = """
    u.id as user_id, u.email, u.display_name, u.locale, u.email_notifications_enabled,
    r.total_points, r.workouts_count, r.active_days, r.activity_totals, r.rankings,
    r.challenge, r.badges_awarded, r.awards_awarded"""

SUMMARY_SQL: Final[Mapping[PeriodKind, str]] = {
    PeriodKind.WEEKLY: f"""
        select {_WEEKLY_COLUMNS},
               p.user_id is not null as has_previous, p.total_points as previous_points,
               p.workouts_count as previous_workouts, p.activity_totals as previous_totals,
               p.leaderboard_rank as previous_rank, null::int as previous_days
          from weekly_results r
          join users u on u.id = r.user_id
          left join weekly_results p on p.user_id = r.user_id and p.week_start = :previous
         where r.week_start = :start
         order by r.user_id
    """,
    PeriodKind.MONTHLY: f"""
        select {_MONTHLY_COLUMNS},
               p.user_id is not null as has_previous, p.total_points as previous_points,
               p.workouts_count as previous_workouts, p.activity_totals as previous_totals,
               (p.rankings -> 'friends' ->> 'points')::int as previous_rank,
               p.active_days as previous_days
          from monthly_results r
          join users u on u.id = r.user_id
          left join monthly_results p on p.user_id = r.user_id and p.month_start = :previous
         where r.month_start = :start
         order by r.user_id
    """,
}

# When the previous period was never evaluated its figures come from its workouts: one grouped
# pass over them, hashed against the readers. A user created since has no previous period
# ("first week"). Ranks are not recomputed (they need the whole board) and are left out.
_PREVIOUS_FROM_WORKOUTS = f"""
    previous as (
        select w.user_id, count(distinct w.id) as workouts,
               coalesce(sum(a.points), 0) as total_points, {QUANTITY_SUMS}
          from workouts w
          left join workout_activities a on a.workout_id = w.id
         where w.start_time >= :previous and w.start_time < :start
         group by w.user_id)
"""
_PREVIOUS_COLUMNS = (
    "u.created_at < :start as has_previous, coalesce(p.total_points, 0) as previous_points, "
    "coalesce(p.workouts, 0)::int as previous_workouts, jsonb_build_object("
    + ", ".join(f"'{t}', coalesce(p.q_{t}, 0)" for t in TYPES)
    + ") as previous_totals, null::int as previous_rank, null::int as previous_days"
)

COMPUTED_PREVIOUS_SQL: Final[Mapping[PeriodKind, str]] = {
    PeriodKind.WEEKLY: f"""
        with {_PREVIOUS_FROM_WORKOUTS}
        select {_WEEKLY_COLUMNS}, {_PREVIOUS_COLUMNS}
          from weekly_results r
          join users u on u.id = r.user_id
          left join previous p on p.user_id = r.user_id
         where r.week_start = :start
         order by r.user_id
    """,
    PeriodKind.MONTHLY: f"""
        with {_PREVIOUS_FROM_WORKOUTS}
        select {_MONTHLY_COLUMNS}, {_PREVIOUS_COLUMNS}
          from monthly_results r
          join users u on u.id = r.user_id
          left join previous p on p.user_id = r.user_id
         where r.month_start = :start
         order by r.user_id
    """,
}

_PREVIOUS_STORED: Final = {
    PeriodKind.WEEKLY: "select exists (select 1 from weekly_results where week_start = :previous)",
    PeriodKind.MONTHLY: (
        "select exists (select 1 from monthly_results where month_start = :previous)"
    ),
}


async def previous_stored(conn: AsyncConnection, period: Period, zone: tzinfo) -> bool:
    """Whether the previous period has stored results (else its figures come from workouts)."""
    bounds = {"previous": previous(period, zone).start}
    return bool((await conn.execute(text(_PREVIOUS_STORED[period.kind]), bounds)).scalar_one())


def _previous_of(row: Any) -> PreviousFigures | None:
    if not row["has_previous"]:
        return None
    rank, days = row["previous_rank"], row["previous_days"]
    return PreviousFigures(
        total_points=float(row["previous_points"]),
        workouts_count=int(row["previous_workouts"]),
        activity_totals=row["previous_totals"],
        rank=None if rank is None else int(rank),
        active_days=None if days is None else int(days),
    )


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
            streak_weeks=int(row["streak_weeks"]),
            previous=_previous_of(row),
        )
    rankings = row["rankings"]
    return MonthlySummary(
        recipient=recipient,
        total_points=float(row["total_points"]),
        activity_totals=row["activity_totals"],
        rankings=rankings,
        challenge=row["challenge"],
        badges=list(row["badges_awarded"]),
        awards=list(row["awards_awarded"]),
        workouts_count=int(row["workouts_count"]),
        active_days=int(row["active_days"]),
        friends_count=rankings.get("friendsCount") or {},
        global_count=rankings.get("globalCount") or {},
        previous=_previous_of(row),
    )


async def summary_batches(
    engine: AsyncEngine, period: Period, *, size: int, zone: tzinfo
) -> AsyncGenerator[list[Summary], None]:
    """The period's committed results joined with their users and the previous period's
    figures, `size` rows at a time (streamed), each batch with its friends boards.

    A batch's boards are queried while the caller works on the batch before it, so that
    PostgreSQL probes them while the aggregator renders rather than between renders."""
    kind = period.kind
    bounds = {"start": period.start, "previous": previous(period, zone).start}
    async with engine.connect() as conn, engine.connect() as boards_conn:
        # A board's plan is key probes, cheap to run and costly to compile (40 ms a batch).
        await boards_conn.execute(text("set local jit = off"))
        stored = await previous_stored(conn, period, zone)
        statement = SUMMARY_SQL[kind] if stored else COMPUTED_PREVIOUS_SQL[kind]
        result = await conn.stream(text(statement), bounds)
        pending: BoardsInFlight | None = None
        try:
            async for rows in result.mappings().partitions(size):
                batch = [summary_of(kind, row) for row in rows]
                # One query at a time on boards_conn: the previous batch's boards are read
                # before this batch's are asked for.
                ready = await pending.with_boards() if pending is not None else None
                pending = BoardsInFlight(batch, boards_conn, period)
                if ready is not None:
                    yield ready
            if pending is not None:
                last, pending = pending, None
                yield await last.with_boards()
        finally:
            if pending is not None:
                await pending.abandon()
