"""The monitor's own SQL: unsubscribing a user.

Its reads of `job_runs` and its cleanup live in `sportify_common.jobs`; its reads of
`email_queue` in `sportify_common.email_queue_reads`.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def disable_notifications(conn: AsyncConnection, user_id: UUID) -> bool:
    """True when the user exists (whether or not notifications were on)."""
    result = await conn.execute(
        text("update users set email_notifications_enabled = false where id = :id returning id"),
        {"id": user_id},
    )
    return result.first() is not None
