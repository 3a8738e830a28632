"""Throwaway databases: one migrated template per test session, cheap copies per test."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def plain(url: str) -> str:
    """asyncpg wants postgresql:// without a SQLAlchemy driver suffix."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


async def create_database(server_url: str, name: str, *, template: str | None = None) -> None:
    conn = await asyncpg.connect(with_database(plain(server_url), "postgres"))
    try:
        suffix = f' template "{template}"' if template else ""
        await conn.execute(f'create database "{name}"{suffix}')
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(with_database(plain(server_url), "postgres"))
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await conn.close()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid4().hex[:12]}"
