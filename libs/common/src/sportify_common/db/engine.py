"""The async engine and per-unit-of-work sessions (asyncpg)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from sportify_common.settings import ServiceSettings


def create_engine(
    settings: ServiceSettings, *, pool_size: int = 5, max_overflow: int = 5
) -> AsyncEngine:
    return create_async_engine(
        settings.async_database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def ping(engine: AsyncEngine, timeout: float = 2.0) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"), execution_options={"timeout": timeout})
    except Exception:
        return False
    return True


class DatabaseRecovery:
    """Wait until the database answers again, shared by every caller (one ping loop at a time).

    A consumer that hit a connectivity error waits here before it requeues its message, so an
    outage longer than MESSAGE_MAX_DELIVERIES quick redeliveries does not dead-letter work that
    only needs the database back.
    """

    def __init__(
        self, engine: AsyncEngine, *, timeout: float = 60.0, interval: float = 1.0
    ) -> None:
        self._engine = engine
        self._timeout = timeout
        self._interval = interval
        self._task: asyncio.Task[bool] | None = None

    async def wait(self) -> bool:
        """True once a ping succeeds; False if the database stayed away for `timeout` seconds."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll(), name="wait-for-database")
        return await asyncio.shield(self._task)

    async def _poll(self) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        while not await ping(self._engine, timeout=self._interval):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(self._interval)
        return True
