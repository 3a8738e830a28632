"""The audit log (SPEC 12): one row per operator action that changed something.

Every statement on `audit_log` lives here. An action is recorded in the same transaction as
the change it describes, so there is never a change without its row, nor a row without its
change. API, CLI and console all reach an action through the admin API, so this is written once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

DEFAULT_ACTOR: Final = "admin-token"
"""Who acted when the `X-Sportify-Actor` header is absent."""
MAX_ACTOR_LENGTH: Final = 200
MAX_REASON_LENGTH: Final = 200


async def record_action(
    conn: AsyncConnection,
    *,
    actor: str,
    action: str,
    target: str,
    reason: str | None,
    details: Mapping[str, Any],
    now: datetime,
) -> UUID:
    """Write one `audit_log` row in the caller's transaction; returns its id."""
    entry_id = uuid4()
    await conn.execute(
        text(
            "insert into audit_log (id, at, actor, action, target, reason, details) "
            "values (:id, :at, :actor, :action, :target, :reason, cast(:details as jsonb))"
        ),
        {
            "id": entry_id,
            "at": now,
            "actor": actor,
            "action": action,
            "target": target,
            "reason": reason,
            "details": json.dumps(details, default=str),
        },
    )
    return entry_id


async def delete_older_than(conn: AsyncConnection, *, cutoff: datetime, limit: int) -> int:
    """Retention (SPEC 4.8), one batch: delete up to `limit` entries recorded before `cutoff`,
    oldest first; returns how many. The caller commits, and loops while a batch is full.

    Walks ix_audit_log_at_id, then the primary key (the ids as an array); rows another
    transaction holds are skipped (SKIP LOCKED), so two retention runs side by side never
    wait on or double-count each other.
    """
    result = await conn.execute(
        text(
            """
            with batch as (
                select id from audit_log where at < :cutoff
                 order by at, id limit :limit for update skip locked
            )
            delete from audit_log where id = any(array(select id from batch))
            """
        ),
        {"cutoff": cutoff, "limit": limit},
    )
    return int(result.rowcount)
