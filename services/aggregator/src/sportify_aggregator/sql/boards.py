"""The top of each reader's friends leaderboard, for one batch of summaries (SPEC 4.3).

One statement per batch, never per user: the batch's readers, their accepted friends (either
direction) and each one's stored result for the period, ranked per reader (competition
ranking, as the evaluation ranks). Kept: the first `BOARD_PLACES` rows and the reader.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Final
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.records import BoardPlace, Summary
from sportify_common.periods import Period, PeriodKind

BOARD_PLACES: Final = 3

# Every lookup below is a key probe per reader or member, whatever the statistics say: a
# lateral subquery with a union or a `limit` is not flattened into a join, so the planner
# cannot hash a whole table per batch (which made the summaries' cost grow with users times
# batches: friendships scanned twice and the period's 100,000 results joined per batch of
# 2,000, 0.65-1.0 s each, when the results were newer than their statistics).
_MEMBERS = """
    readers as (select unnest(cast(:readers as uuid[])) as reader),
    members as (
        select r.reader, f.member
          from readers r
         cross join lateral (
               select f.friend_id as member from friendships f
                where f.user_id = r.reader and f.status = 'accepted' and f.friend_id <> r.reader
               union
               select f.user_id from friendships f
                where f.friend_id = r.reader and f.status = 'accepted' and f.user_id <> r.reader
               union
               select r.reader) f)
"""

_PLACES = """
    placed as (
        select m.reader, m.member, m.total_points,
               rank() over (partition by m.reader order by m.total_points desc) as rank,
               row_number() over (partition by m.reader
                                  order by m.total_points desc, m.member = m.reader desc,
                                           u.display_name, m.member) as position,
               u.display_name
          from scored m
         cross join lateral (
               select u.display_name from users u where u.id = m.member limit 1) u)
    select reader, member, display_name, rank, total_points
      from placed
     where position <= :places or member = reader
     order by reader, position
"""

# Weekly: every friend takes part (zeros too); each one's leaderboard row by its full key.
# Monthly: friends take part with points > 0 (SPEC 4.2), the reader always.
BOARD_SQL: Final[Mapping[PeriodKind, str]] = {
    PeriodKind.WEEKLY: f"""
        with {_MEMBERS},
        scored as (
            select m.reader, m.member, l.total_points
              from members m
             cross join lateral (
                   select l.total_points from leaderboard_results l
                    where l.week_start = :start and l.user_id = m.member limit 1) l),
        {_PLACES}
    """,
    PeriodKind.MONTHLY: f"""
        with {_MEMBERS},
        scored as (
            select m.reader, m.member, r.total_points
              from members m
             cross join lateral (
                   select r.total_points from monthly_results r
                    where r.user_id = m.member and r.month_start = :start limit 1) r
             where r.total_points > 0 or m.member = m.reader),
        {_PLACES}
    """,
}


async def friends_boards(
    conn: AsyncConnection, period: Period, readers: Sequence[UUID]
) -> dict[UUID, list[BoardPlace]]:
    """Each reader's board: up to `BOARD_PLACES` places plus the reader, best first."""
    boards: dict[UUID, list[BoardPlace]] = defaultdict(list)
    if not readers:
        return boards
    result = await conn.execute(
        text(BOARD_SQL[period.kind]),
        {"readers": list(readers), "start": period.start, "places": BOARD_PLACES},
    )
    for row in result.mappings():
        boards[row["reader"]].append(
            BoardPlace(
                user_id=row["member"],
                display_name=row["display_name"],
                rank=int(row["rank"]),
                total_points=float(row["total_points"]),
                is_reader=row["member"] == row["reader"],
            )
        )
    return boards


class BoardsInFlight:
    """A batch of summaries whose boards query runs on its own task (on `conn`, which must
    run nothing else until `with_boards` or `abandon` returns)."""

    def __init__(self, batch: list[Summary], conn: AsyncConnection, period: Period) -> None:
        self._batch = batch
        readers = [s.recipient.user_id for s in batch]
        self._boards = asyncio.ensure_future(friends_boards(conn, period, readers))

    async def with_boards(self) -> list[Summary]:
        boards = await self._boards
        return [replace(s, board=tuple(boards.get(s.recipient.user_id, ()))) for s in self._batch]

    async def abandon(self) -> None:
        """Cancel the query and wait for it; the caller's own cancellation still propagates."""
        self._boards.cancel()
        await asyncio.wait([self._boards])
        if not self._boards.cancelled():
            self._boards.exception()  # retrieved: the caller is already failing or leaving
