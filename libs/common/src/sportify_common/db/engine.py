"""The async engine and per-unit-of-work sessions (asyncpg)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from sportify_common.settings import Settings


def create_engine(settings: Settings, *, pool_size: int = 5, max_overflow: int = 5) -> AsyncEngine:
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
