"""Every statement on `backfills` (SPEC 3.2, 12.2), and the advisory lock a runner holds.

A backfill's `periods` is a JSON array, oldest first; each entry holds the planned
`periodStart`, `periodEnd`, `firstDay`, `existingStatus`, `action` and skip `reason`, then, as
the runner works, the period's `runId` (written in the transaction of its claim), `published`
(its period.closed was sent) and `outcome` (completed, failed, skipped, cancelled; null while
not reached). The rules (which periods, run or skip) are `backfill_plan`'s.

Only one runner works a backfill at a time: it holds the session-level advisory lock
(LOCK_NAMESPACE, hashtext(id)) on a connection of its own while it works the backfill. The
lock goes with the session, so a killed monitor's lock is released when PostgreSQL notices
its connection is gone, and a restarted monitor (or another replica) picks the backfill up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.paging import Cursor, CursorError, Page
from sportify_common.vocabulary import BackfillStatus

LOCK_NAMESPACE: Final = 1_612_202_612
"""The first key of the backfill runners' advisory locks (the second is hashtext(id))."""

_COLUMNS = (
    "id, job_name, period_from, period_to, reprocess, send_emails, status, periods, "
    "created_by, reason, created_at, completed_at"
)


@dataclass(frozen=True, slots=True)
class BackfillRow:
    id: UUID
    job_name: str
    period_from: date
    period_to: date
    reprocess: str
    send_emails: bool
    status: BackfillStatus
    periods: list[dict[str, Any]]
    created_by: str
    reason: str | None
    created_at: datetime
    completed_at: datetime | None


def _row(mapping: Any) -> BackfillRow:
    return BackfillRow(
        id=mapping["id"],
        job_name=mapping["job_name"],
        period_from=mapping["period_from"],
        period_to=mapping["period_to"],
        reprocess=mapping["reprocess"],
        send_emails=mapping["send_emails"],
        status=BackfillStatus(mapping["status"]),
        periods=list(mapping["periods"] or []),
        created_by=mapping["created_by"],
        reason=mapping["reason"],
        created_at=mapping["created_at"],
        completed_at=mapping["completed_at"],
    )


async def _one(conn: AsyncConnection, sql: str, **params: Any) -> BackfillRow | None:
    mapping = (await conn.execute(text(sql), params)).mappings().first()
    return _row(mapping) if mapping is not None else None


async def existing_statuses(
    conn: AsyncConnection, *, job_name: JobName, scheduled_for: Sequence[datetime]
) -> dict[datetime, JobStatus]:
    """The status of each given period's run (by scheduled_for, the period's end)."""
    if not scheduled_for:
        return {}
    result = await conn.execute(
        text(
            "select scheduled_for, status from job_runs "
            "where job_name = :job_name and scheduled_for = any(:scheduled_for)"
        ),
        {"job_name": job_name.value, "scheduled_for": list(scheduled_for)},
    )
    return {row.scheduled_for: JobStatus(row.status) for row in result}


async def create(
    conn: AsyncConnection,
    *,
    backfill_id: UUID,
    job_name: JobName,
    period_from: date,
    period_to: date,
    reprocess: str,
    send_emails: bool,
    periods: list[dict[str, Any]],
    created_by: str,
    reason: str | None,
    now: datetime,
) -> BackfillRow:
    row = await _one(
        conn,
        f"""
        insert into backfills (id, job_name, period_from, period_to, reprocess, send_emails,
                               status, periods, created_by, reason, created_at)
        values (:id, :job_name, :period_from, :period_to, :reprocess, :send_emails,
                'running', cast(:periods as jsonb), :created_by, :reason, :now)
        returning {_COLUMNS}
        """,
        id=backfill_id,
        job_name=job_name.value,
        period_from=period_from,
        period_to=period_to,
        reprocess=reprocess,
        send_emails=send_emails,
        periods=json.dumps(periods),
        created_by=created_by,
        reason=reason,
        now=now,
    )
    assert row is not None  # noqa: S101 - an insert returns its row
    return row


async def get(conn: AsyncConnection, backfill_id: UUID) -> BackfillRow | None:
    return await _one(conn, f"select {_COLUMNS} from backfills where id = :id", id=backfill_id)


async def list_page(
    conn: AsyncConnection, *, after: Cursor | None, limit: int
) -> Page[BackfillRow]:
    """Newest first by (created_at, id), walking ix_backfills_created_at_id."""
    try:
        after_id = UUID(after.key) if after is not None else None
    except ValueError as exc:
        raise CursorError("cursor is not one of the backfill list") from exc
    result = await conn.execute(
        text(
            f"""
            select {_COLUMNS} from backfills
             where cast(:c_at as timestamptz) is null
                or (created_at <= :c_at and (created_at, id) < (:c_at, cast(:c_id as uuid)))
             order by created_at desc, id desc
             limit :limit
            """
        ),
        {
            "c_at": after.at if after is not None else None,
            "c_id": after_id,
            "limit": limit + 1,
        },
    )
    rows = [_row(mapping) for mapping in result.mappings()]
    return Page.of(rows, limit, lambda row: Cursor(row.created_at, str(row.id)))


async def running_ids(conn: AsyncConnection) -> list[UUID]:
    """Running backfills, oldest first (the partial index ix_backfills_running)."""
    result = await conn.execute(
        text("select id from backfills where status = 'running' order by created_at, id")
    )
    return [row.id for row in result]


async def cancel(conn: AsyncConnection, backfill_id: UUID, *, now: datetime) -> BackfillRow | None:
    """A running backfill becomes cancelled; the periods not reached yet (no run claimed) get
    the outcome `cancelled`. The period in progress finishes and its runner records it.
    None when the backfill is not running."""
    return await _one(
        conn,
        f"""
        update backfills
           set status = 'cancelled', completed_at = :now,
               periods = coalesce((
                   select jsonb_agg(
                            case when p->>'outcome' is null and p->>'runId' is null
                                 then p || '{{"outcome": "cancelled"}}'::jsonb else p end
                            order by position)
                     from jsonb_array_elements(periods) with ordinality as t(p, position)
               ), '[]'::jsonb)
         where id = :id and status = 'running'
        returning {_COLUMNS}
        """,
        id=backfill_id,
        now=now,
    )


# A cancelled backfill whose period in progress was left by its runner (the monitor stopped):
# the period's outcome is its run's, once the run has finished; a run that was claimed but
# never published will not run for this backfill, so that period is cancelled too.
_SETTLE_CANCELLED = """
    update backfills b
       set periods = (
           select jsonb_agg(
                    case when p->>'outcome' is null and p->>'runId' is not null
                              and r.status in ('completed', 'failed')
                         then p || jsonb_build_object('outcome', r.status)
                         when p->>'outcome' is null and p->>'runId' is not null
                              and r.status = 'pending' and not coalesce((p->>'published')::boolean, false)
                         then p || '{"outcome": "cancelled"}'::jsonb
                         else p end
                    order by t.position)
             from jsonb_array_elements(b.periods) with ordinality as t(p, position)
             left join job_runs r on r.id = (t.p->>'runId')::uuid)
     where b.status = 'cancelled'
       and exists (select 1 from jsonb_array_elements(b.periods) e
                    where e->>'outcome' is null and e->>'runId' is not null)
"""


async def settle_cancelled(conn: AsyncConnection) -> None:
    """Give the periods a cancelled backfill left in progress their outcome (see above)."""
    await conn.execute(text(_SETTLE_CANCELLED))


async def update_period(
    conn: AsyncConnection, backfill_id: UUID, index: int, patch: dict[str, Any]
) -> None:
    """Merge `patch` into the period at `index` (0-based)."""
    await conn.execute(
        text(
            """
            update backfills
               set periods = jsonb_set(periods, cast(:path as text[]),
                                       (periods -> cast(:index as integer)) || cast(:patch as jsonb))
             where id = :id
            """
        ),
        {"id": backfill_id, "path": [str(index)], "index": index, "patch": json.dumps(patch)},
    )


async def finish(
    conn: AsyncConnection, backfill_id: UUID, *, status: BackfillStatus, now: datetime
) -> BackfillRow | None:
    """A running backfill ends `completed` or `failed`; None when it is no longer running."""
    return await _one(
        conn,
        f"""
        update backfills set status = :status, completed_at = :now
         where id = :id and status = 'running'
        returning {_COLUMNS}
        """,
        id=backfill_id,
        status=status.value,
        now=now,
    )


async def try_lock(conn: AsyncConnection, backfill_id: UUID) -> bool:
    """Take the backfill's advisory lock for this session, without waiting."""
    result = await conn.execute(
        text("select pg_try_advisory_lock(:ns, hashtext(:id))"),
        {"ns": LOCK_NAMESPACE, "id": str(backfill_id)},
    )
    return bool(result.scalar_one())


async def unlock(conn: AsyncConnection, backfill_id: UUID) -> None:
    await conn.execute(
        text("select pg_advisory_unlock(:ns, hashtext(:id))"),
        {"ns": LOCK_NAMESPACE, "id": str(backfill_id)},
    )
