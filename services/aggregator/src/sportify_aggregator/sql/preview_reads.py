"""A preview's reads (SPEC 12.3): one user's results row and summary, read as the run reads
everyone's (`results.summary_batches`), from the preview's shadow tables (`shadow`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from typing import Final
from uuid import UUID

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import Summary
from sportify_aggregator.sql.boards import friends_boards
from sportify_aggregator.sql.results import COMPUTED_PREVIOUS_SQL, SUMMARY_SQL, summary_of
from sportify_common.periods import Period, PeriodKind, previous

_RESULT_ROW: Final = {
    PeriodKind.WEEKLY: "select * from weekly_results where week_start = :start and user_id = :user",
    PeriodKind.MONTHLY: (
        "select * from monthly_results where month_start = :start and user_id = :user"
    ),
}


async def user_summary(
    conn: AsyncConnection, period: Period, user_id: UUID, *, zone: tzinfo, stored: bool
) -> Summary | None:
    """The user's summary with their friends board. `stored`: whether the previous period has
    stored results in the real tables (`results.previous_stored`, asked before the shadows)."""
    kind = period.kind
    statement = SUMMARY_SQL[kind] if stored else COMPUTED_PREVIOUS_SQL[kind]
    result = await conn.execute(
        text(f"select * from ({statement}) s where s.user_id = :user"),
        {"start": period.start, "previous": previous(period, zone).start, "user": user_id},
    )
    row = result.mappings().one_or_none()
    if row is None:
        return None
    summary = summary_of(kind, row)
    boards = await friends_boards(conn, period, [user_id])
    return replace(summary, board=tuple(boards.get(user_id, ())))


async def user_result_row(
    conn: AsyncConnection, period: Period, user_id: UUID
) -> RowMapping | None:
    """The user's results row of the period, every column."""
    result = await conn.execute(
        text(_RESULT_ROW[period.kind]), {"start": period.start, "user": user_id}
    )
    return result.mappings().one_or_none()
