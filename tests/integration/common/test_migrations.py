from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.db import tables
from sportify_common.db.migrate import downgrade_to, upgrade_to_head
from tests.support.databases import create_database, drop_database, unique_name, with_database


@pytest.fixture
async def empty_database(server_database_url: str) -> AsyncIterator[str]:
    name = unique_name("sportify_test_stairs")
    await create_database(server_database_url, name)
    _scheme, rest = with_database(server_database_url, name).split("://", 1)
    yield f"postgresql+asyncpg://{rest}"
    await drop_database(server_database_url, name)


async def _table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_leaves_every_table_in_place(empty_database: str) -> None:
    await upgrade_to_head(empty_database)
    await downgrade_to(empty_database, "base")
    emptied = await _table_names(empty_database)
    await upgrade_to_head(empty_database)

    assert emptied <= {"alembic_version"}
    assert set(tables.metadata.tables) <= await _table_names(empty_database)


async def test_the_migrations_match_the_models(empty_database: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await upgrade_to_head(empty_database)
    engine = create_async_engine(empty_database)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), tables.metadata)
            )
    finally:
        await engine.dispose()

    assert diff == []
