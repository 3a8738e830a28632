"""The audit log (SPEC 12): one row per operator action that changed something.

Every statement on `audit_log` lives here. An action is recorded in the same transaction as
the change it describes, so there is never a change without its row, nor a row without its
change. API, CLI and console all reach an action through the admin API, so this is written once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.paging import Cursor, CursorError, Page

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


# --- the listing (GET /api/admin/audit, SPEC 12) -------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: UUID
    at: datetime
    actor: str
    action: str
    target: str
    reason: str | None
    details: dict[str, Any]


# Two statements, one per index: audit_log(at, id) and audit_log(action, at, id), each walked
# backwards from the cursor.
_LIST_ALL = text(
    """
    select id, at, actor, action, target, reason, details
      from audit_log
     where (cast(:c_at as timestamptz) is null
            or (at <= :c_at and (at, id) < (:c_at, cast(:c_id as uuid))))
     order by at desc, id desc
     limit :limit
    """
)
_LIST_ACTION = text(
    """
    select id, at, actor, action, target, reason, details
      from audit_log
     where action = :action
       and (cast(:c_at as timestamptz) is null
            or (at <= :c_at and (at, id) < (:c_at, cast(:c_id as uuid))))
     order by action desc, at desc, id desc
     limit :limit
    """
)


async def list_entries(
    conn: AsyncConnection, *, action: str | None, after: Cursor | None, limit: int
) -> Page[AuditRow]:
    """Newest first (at, id); only `action`'s entries when given."""
    try:
        after_id = UUID(after.key) if after is not None else None
    except ValueError as exc:
        raise CursorError("cursor is not one of the audit list") from exc
    await conn.execute(text("set local plan_cache_mode = force_custom_plan"))
    params = {
        "c_at": after.at if after is not None else None,
        "c_id": after_id,
        "limit": limit + 1,
    }
    if action is None:
        result = await conn.execute(_LIST_ALL, params)
    else:
        result = await conn.execute(_LIST_ACTION, {**params, "action": action})
    rows = [_audit_row(row) for row in result]
    return Page.of(rows, limit, lambda row: Cursor(row.at, str(row.id)))


def _audit_row(row: Any) -> AuditRow:
    return AuditRow(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        reason=row.reason,
        details=dict(row.details),
    )


# --- the history of some actions (the scheduler's pause intervals, SPEC 12.1) ----------------


async def history(
    conn: AsyncConnection, *, actions: Sequence[str], targets: Sequence[str], since: datetime
) -> list[AuditRow]:
    """Entries of `actions` on `targets` recorded at or after `since`, plus each target's latest
    one before it (the state at `since`), oldest first. Walks ix_audit_log_action_at_id."""
    if not actions or not targets:
        return []
    result = await conn.execute(
        text(
            """
            select id, at, actor, action, target, reason, details
              from audit_log
             where action = any(:actions) and target = any(:targets) and at >= :since
            union all
            select id, at, actor, action, target, reason, details from (
                select distinct on (target) id, at, actor, action, target, reason, details
                  from audit_log
                 where action = any(:actions) and target = any(:targets) and at < :since
                 order by target, at desc, id desc
            ) as before_since
             order by at, id
            """
        ),
        {"actions": list(actions), "targets": list(targets), "since": since},
    )
    return [_audit_row(row) for row in result]


# --- retention (SPEC 4.8) ---------------------------------------------------------------


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
