"""Operator writes to the mailer's tables (SPEC 12.4): requeue failed emails, the suppression list.

The one code path for them: the admin API calls these, and the CLI and the console reach them
through that API. The mailer's own sending and intake stay in the mailer; every call here runs in
the caller's transaction, beside the `audit_log` row that records it (`sportify_common.audit`).

Requeue: only `failed` rows go back (to `pending`, `attempts` 0, `failed_after_retries` false,
due now; the last `error` is kept until the next attempt records its own outcome). `sent`,
`skipped`, `pending` and `retrying` rows never change, whatever the selection; a failed row whose
body retention cleared cannot be sent, so it stays `failed` and is counted apart. The mailer's
drain loop sends what was requeued, claiming each row `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.email_filter import EMAIL_FILTER_SQL, EmailFilter
from sportify_common.email_queue_reads import CUSTOM_PLANS
from sportify_common.paging import Cursor, Page
from sportify_common.vocabulary import EmailStatus, SuppressionSource

# --- requeue -------------------------------------------------------------------------------

_BY_IDS = "e.id = any(cast(:ids as uuid[]))"
_SENDABLE = "e.body_text is not null and e.body_html is not null"

_COUNT_BY_IDS = text(
    f"""
    select count(*) as matched,
           count(*) filter (where e.status = :failed and {_SENDABLE}) as requeueable,
           count(*) filter (where e.status = :failed and not ({_SENDABLE})) as body_cleared
      from email_queue e
     where {_BY_IDS}
    """
)
_COUNT_BY_FILTER = text(
    f"""
    select count(*) as matched,
           count(*) filter (where e.status = :failed and {_SENDABLE}) as requeueable,
           count(*) filter (where e.status = :failed and not ({_SENDABLE})) as body_cleared
      from email_queue e
     where {EMAIL_FILTER_SQL}
    """
)
_SET_PENDING = """
    update email_queue e
       set status = :pending, attempts = 0, failed_after_retries = false,
           next_attempt_at = :now, updated_at = :now
"""
_REQUEUE_BY_IDS = text(
    f"""
    with requeued as (
        {_SET_PENDING}
         where {_BY_IDS} and e.status = :failed and {_SENDABLE}
        returning e.id
    )
    select count(*) from requeued
    """
)
_REQUEUE_BY_FILTER = text(
    f"""
    with requeued as (
        {_SET_PENDING}
         where {EMAIL_FILTER_SQL} and e.status = :failed and {_SENDABLE}
        returning e.id
    )
    select count(*) from requeued
    """
)


@dataclass(frozen=True, slots=True)
class RequeueSelection:
    """Either explicit ids or a filter (the list's filters)."""

    ids: tuple[UUID, ...] | None = None
    filter: EmailFilter | None = None

    def __post_init__(self) -> None:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("a requeue selects by ids or by a filter, not both or neither")

    def params(self) -> dict[str, Any]:
        if self.ids is not None:
            return {"ids": list(dict.fromkeys(self.ids))}
        assert self.filter is not None  # noqa: S101 - __post_init__ holds it
        return self.filter.params()


@dataclass(frozen=True, slots=True)
class RequeueCounts:
    matched: int
    """Rows the selection matched, whatever their status."""
    requeueable: int
    """Of those, `failed` rows that can be sent again."""
    body_cleared: int
    """`failed` rows whose body retention cleared: never requeued."""

    @property
    def not_failed(self) -> int:
        """Matched rows in another status (`sent`, `skipped`, still due): never requeued."""
        return self.matched - self.requeueable - self.body_cleared


_STATUSES = {"failed": EmailStatus.FAILED.value, "pending": EmailStatus.PENDING.value}


async def count_requeue(conn: AsyncConnection, selection: RequeueSelection) -> RequeueCounts:
    """What a requeue of `selection` would do (the dry run, and the check before the real one)."""
    await conn.execute(text(CUSTOM_PLANS))
    params = {**selection.params(), **_STATUSES}
    if selection.ids is not None:
        row = (await conn.execute(_COUNT_BY_IDS, params)).one()
    else:
        row = (await conn.execute(_COUNT_BY_FILTER, params)).one()
    return RequeueCounts(
        matched=int(row.matched),
        requeueable=int(row.requeueable),
        body_cleared=int(row.body_cleared),
    )


async def requeue(conn: AsyncConnection, selection: RequeueSelection, *, now: datetime) -> int:
    """Put the selection's sendable `failed` rows back to `pending`, due at `now`; how many.

    One statement; a row another requeue changed first is not counted twice (its status is
    re-checked under the row lock)."""
    await conn.execute(text(CUSTOM_PLANS))
    params = {**selection.params(), **_STATUSES, "now": now}
    if selection.ids is not None:
        result = await conn.execute(_REQUEUE_BY_IDS, params)
    else:
        result = await conn.execute(_REQUEUE_BY_FILTER, params)
    return int(result.scalar_one())


# --- the suppression list ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SuppressionRow:
    address: str
    reason: str
    source: str
    email_id: UUID | None
    created_at: datetime
    expires_at: datetime | None
    """None: until an operator removes it."""

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


def normalise_address(address: str) -> str:
    """The list's key: trimmed and lower-cased (the table refuses anything else; the statements
    apply PostgreSQL's lower() too, so the key is the same whatever the letters)."""
    return address.strip().lower()


_SUPPRESSION_COLUMNS = "address, reason, source, email_id, created_at, expires_at"

_GET_FOR_UPDATE = text(
    f"select {_SUPPRESSION_COLUMNS} from email_suppressions "
    "where address = lower(:address) for update"
)
_UPSERT_OPERATOR = text(
    f"""
    insert into email_suppressions (address, reason, source, email_id, created_at, expires_at)
    values (lower(:address), :reason, :source, null, :now, null)
    on conflict (address) do update
       set reason = excluded.reason, source = excluded.source, email_id = null,
           created_at = excluded.created_at, expires_at = null
    returning {_SUPPRESSION_COLUMNS}
    """
)
_DELETE = text(
    f"delete from email_suppressions where address = lower(:address) "
    f"returning {_SUPPRESSION_COLUMNS}"
)
_LIST_SUPPRESSIONS = text(
    f"""
    select {_SUPPRESSION_COLUMNS}
      from email_suppressions
     where (cast(:address as text) is null or address = lower(:address))
       and (cast(:source as text) is null or source = :source)
       and (:include_expired or expires_at is null or expires_at > :now)
       and (cast(:c_at as timestamptz) is null
            or (created_at <= :c_at and (created_at, address) < (:c_at, cast(:c_key as text))))
     order by created_at desc, address desc
     limit :limit
    """
)
_COUNT_ACTIVE = text(
    "select count(*) from email_suppressions where expires_at is null or expires_at > :now"
)


def _suppression(row: Any) -> SuppressionRow:
    return SuppressionRow(
        address=row.address,
        reason=row.reason,
        source=row.source,
        email_id=row.email_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def add_suppression(
    conn: AsyncConnection, *, address: str, reason: str, now: datetime
) -> tuple[SuppressionRow, SuppressionRow | None]:
    """An operator entry (never expires until removed), over any entry the address had (a
    bounce's included). Returns the entry and the one it replaced, if any."""
    key = normalise_address(address)
    previous_row = (await conn.execute(_GET_FOR_UPDATE, {"address": key})).first()
    row = (
        await conn.execute(
            _UPSERT_OPERATOR,
            {"address": key, "reason": reason, "source": SuppressionSource.OPERATOR, "now": now},
        )
    ).one()
    return _suppression(row), _suppression(previous_row) if previous_row is not None else None


async def remove_suppression(conn: AsyncConnection, address: str) -> SuppressionRow | None:
    """Delete the address's entry (active or expired); None when it had none."""
    row = (await conn.execute(_DELETE, {"address": normalise_address(address)})).first()
    return _suppression(row) if row is not None else None


async def list_suppressions(
    conn: AsyncConnection,
    *,
    address: str | None,
    source: SuppressionSource | None,
    include_expired: bool,
    now: datetime,
    after: Cursor | None,
    limit: int,
) -> Page[SuppressionRow]:
    """Newest first (created_at, address); active entries only unless `include_expired`."""
    await conn.execute(text(CUSTOM_PLANS))
    result = await conn.execute(
        _LIST_SUPPRESSIONS,
        {
            "address": normalise_address(address) if address else None,
            "source": source.value if source is not None else None,
            "include_expired": include_expired,
            "now": now,
            "c_at": after.at if after is not None else None,
            "c_key": after.key if after is not None else None,
            "limit": limit + 1,
        },
    )
    rows = [_suppression(row) for row in result]
    return Page.of(rows, limit, lambda row: Cursor(row.created_at, row.address))


async def count_active_suppressions(conn: AsyncConnection, *, now: datetime) -> int:
    """Entries not expired at `now` (the gauge `sportify_email_suppressions`)."""
    return int((await conn.execute(_COUNT_ACTIVE, {"now": now})).scalar_one())
