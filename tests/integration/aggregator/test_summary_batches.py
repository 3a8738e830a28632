"""Summaries stream in batches, each with its friends boards, whatever the batch size: the
boards of one batch are read while the batch before it is being handled."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.evaluation import EVALUATORS
from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql import results
from sportify_common.jobs.names import JobName
from sportify_common.periods import week_of
from sportify_common.settings import Settings
from tests.support.factories import befriend, insert_user, insert_workout

pytestmark = pytest.mark.integration


async def test_every_batch_size_gives_every_reader_the_same_board(
    settings: Settings, engine: AsyncEngine
) -> None:
    week = week_of(date(2026, 3, 2), settings.zone)
    users = [await insert_user(engine, display_name=f"User {n}") for n in range(7)]
    for n, user in enumerate(users):
        points = 10 * (n % 4)
        await insert_workout(
            engine, user, week.start + timedelta(hours=3), [("pushups", points, points)]
        )
        await befriend(engine, user, users[(n + 1) % len(users)])
        await befriend(engine, user, users[(n + 3) % len(users)])
    async with engine.begin() as conn:
        run = PeriodRun(week, Decimal(100), uuid4(), week.end)
        for step in EVALUATORS[JobName.WEEKLY_EVENTS].steps:
            await step(conn, run)

    boards = {}
    for size in (1, 2, 3, 100):
        batches = [
            batch
            async for batch in results.summary_batches(engine, week, size=size, zone=settings.zone)
        ]
        assert all(len(batch) <= size for batch in batches)
        boards[size] = {s.recipient.user_id: s.board for batch in batches for s in batch}
    assert set(boards[100]) == set(users)
    assert all(len(board) >= 3 for board in boards[100].values())  # the reader and friends
    assert boards[1] == boards[2] == boards[3] == boards[100]


async def test_a_consumer_that_stops_early_leaves_no_query_behind(
    settings: Settings, engine: AsyncEngine
) -> None:
    """Leaving after the first batch cancels the next batch's boards query in flight, and
    both connections go back to the pool."""
    week = week_of(date(2026, 3, 2), settings.zone)
    for n in range(5):
        user = await insert_user(engine)
        await insert_workout(engine, user, week.start + timedelta(hours=3), [("pushups", n, n)])
    async with engine.begin() as conn:
        run = PeriodRun(week, Decimal(100), uuid4(), week.end)
        for step in EVALUATORS[JobName.WEEKLY_EVENTS].steps:
            await step(conn, run)
    checked_out = engine.pool.checkedout()  # type: ignore[attr-defined]
    stream = results.summary_batches(engine, week, size=1, zone=settings.zone)
    first = await anext(stream)
    assert len(first) == 1
    await stream.aclose()
    assert engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]
