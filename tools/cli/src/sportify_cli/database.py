"""Database housekeeping for the CLI: create the database if missing, then migrate."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from sportify_common.db.migrate import upgrade_to_head
from sportify_common.settings import Settings

logger = logging.getLogger(__name__)


def _plain_url(settings: Settings, database: str | None = None) -> str:
    scheme, rest = settings.database_url.split("://", 1)
    parts = urlsplit(f"{scheme.split('+')[0]}://{rest}")
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


async def ensure_database(settings: Settings) -> None:
    name = urlsplit(settings.database_url).path.lstrip("/") or "postgres"
    conn = await asyncpg.connect(_plain_url(settings, "postgres"))
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
        if not exists:
            await conn.execute(f'create database "{name.replace(chr(34), "")}"')
            logger.info("created database %s", name)
    finally:
        await conn.close()


async def migrate(settings: Settings) -> None:
    await ensure_database(settings)
    await upgrade_to_head(settings.async_database_url)
    logger.info("database %s is at the latest migration", urlsplit(settings.database_url).path)
