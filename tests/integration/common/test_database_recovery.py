"""DatabaseRecovery: a consumer's wait for the database after a connectivity error."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sportify_common.db.engine import DatabaseRecovery
from tests.support.smtp import free_port


async def test_waiting_for_a_reachable_database_returns_true_at_once(engine: AsyncEngine) -> None:
    recovery = DatabaseRecovery(engine, timeout=5, interval=0.1)

    assert await asyncio.wait_for(recovery.wait(), 2) is True


async def test_waiting_for_an_unreachable_database_gives_up_after_the_timeout() -> None:
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x")
    try:
        recovery = DatabaseRecovery(engine, timeout=0.5, interval=0.1)
        results = await asyncio.wait_for(asyncio.gather(recovery.wait(), recovery.wait()), 5)
    finally:
        await engine.dispose()

    assert list(results) == [False, False]
