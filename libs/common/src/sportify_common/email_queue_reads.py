"""Reads of the mailer's `email_queue` by other services: read-only, one function per question.

The mailer owns the table and writes it; everyone else asks here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def queued_idempotency_keys(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of `keys` already have an email in the queue (whatever its status)."""
    if not keys:
        return set()
    result = await conn.execute(
        text("select idempotency_key from email_queue where idempotency_key = any(:keys)"),
        {"keys": list(keys)},
    )
    return {row[0] for row in result}
