"""Apply the migrations programmatically (CLI and tests), inside a running event loop."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def _with_connection(url: str, revision: str, *, down: bool = False) -> None:
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            # One migrator at a time, even with several replicas starting together.
            await conn.exec_driver_sql("select pg_advisory_xact_lock(7313001)")
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade_to_head(async_url: str) -> None:
    await _with_connection(async_url, "head")


async def downgrade_to(async_url: str, revision: str) -> None:
    await _with_connection(async_url, revision, down=True)
