"""Reads of the mailer's tables by the other services: read-only, named, in one place.

The mailer owns `email_queue` and writes it; the same goes for the bounces on
`email_suppressions` (operators add and remove entries through `sportify_common.mail_admin`).
What others may know of either table is here. Every read is bounded by an index
(db/tables.py): email_queue(idempotency_key), email_queue(created_at, status),
email_queue(status), email_queue(lower(recipient), created_at, id), email_suppressions(address).
The admin list pages by keyset on (created_at, id), walking email_queue(created_at, status)
backwards.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.email_filter import EMAIL_FILTER_SQL, EmailFilter
from sportify_common.paging import Cursor, CursorError, Page
from sportify_common.periods import to_wire_sql

# The monitoring document's `emails` (SPEC 5): per status, emails created since
# `emails_since`; the newest emails created since `recent_since`.
EMAILS_SECTION_SQL = f"""
with email_stats as (
    select status, count(*) as count,
           count(*) filter (where failed_after_retries) as failed_after_retries
      from email_queue
     where created_at >= :emails_since
     group by status
), recent as (
    select id, recipient, kind, subject, status, attempts, error, created_at, sent_at
      from email_queue
     where created_at >= :recent_since
     order by created_at desc, id
     limit :recent_limit
)
select json_build_object(
    'stats', coalesce((
        select json_agg(json_build_object(
                   'status', status, 'count', count,
                   'failedAfterRetries', failed_after_retries) order by status)
          from email_stats), '[]'::json),
    'recent', coalesce((
        select json_agg(json_build_object(
                   'id', id, 'recipient', recipient, 'kind', kind, 'subject', subject,
                   'status', status, 'attempts', attempts, 'error', error,
                   'createdAt', {to_wire_sql("created_at")},
                   'sentAt', {to_wire_sql("sent_at")})
                   order by created_at desc, id)
          from recent), '[]'::json)
)::text
"""


async def emails_section_json(
    conn: AsyncConnection, *, emails_since: datetime, recent_since: datetime, recent_limit: int
) -> str:
    """`{"stats": [...], "recent": [...]}` as JSON text, rendered by PostgreSQL."""
    result = await conn.execute(
        text(EMAILS_SECTION_SQL),
        {"emails_since": emails_since, "recent_since": recent_since, "recent_limit": recent_limit},
    )
    return str(result.scalar_one())


async def counts_by_status(
    conn: AsyncConnection, *, updated_since: datetime | None = None
) -> dict[str, int]:
    """How many rows the table holds in each status (for `sportify_email_queue_messages`);
    with `updated_since`, only the rows changed since then (the demo's own emails)."""
    if updated_since is None:
        result = await conn.execute(
            text("select status, count(*) from email_queue group by status")
        )
    else:
        result = await conn.execute(
            text(
                "select status, count(*) from email_queue "
                "where updated_at >= :since group by status"
            ),
            {"since": updated_since},
        )
    return {str(status): int(count) for status, count in result.all()}


async def queued_idempotency_keys(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of `keys` already have an email in the queue (whatever its status)."""
    if not keys:
        return set()
    # Planned for these keys: a run's first chunks find the queue empty, and the generic plan
    # a prepared statement settles on then is a sequential scan (issue 17).
    await conn.execute(text(CUSTOM_PLANS))
    result = await conn.execute(
        text("select idempotency_key from email_queue where idempotency_key = any(:keys)"),
        {"keys": list(keys)},
    )
    return {row[0] for row in result}


# --- the admin email list and one email (SPEC 12.4) ----------------------------------------

CUSTOM_PLANS = "set local plan_cache_mode = force_custom_plan"
"""Run first in a transaction whose statements use EMAIL_FILTER_SQL: each execution is planned
with its own values, so an unset filter (`null is null or …`) folds away and the set ones can
use their indexes; a cached generic plan could do neither."""

_EMAIL_COLUMNS = """
    e.id, e.recipient, e.kind, e.subject, e.status, e.attempts, e.error,
    e.failed_after_retries, e.created_at, e.sent_at, e.next_attempt_at
"""

_LIST_EMAILS = text(
    f"""
    select {_EMAIL_COLUMNS}
      from email_queue e
     where {EMAIL_FILTER_SQL}
       and (cast(:c_at as timestamptz) is null
            or (e.created_at <= :c_at and (e.created_at, e.id) < (:c_at, cast(:c_id as uuid))))
     order by e.created_at desc, e.id desc
     limit :limit
    """
)

_GET_EMAIL = text(
    f"""
    select {_EMAIL_COLUMNS}, e.idempotency_key, e.user_id, e.locale, e.updated_at,
           e.body_text, e.body_html, e.headers
      from email_queue e
     where e.id = :id
    """
)


@dataclass(frozen=True, slots=True)
class EmailListRow:
    id: UUID
    recipient: str
    kind: str
    subject: str
    status: str
    attempts: int
    error: str | None
    failed_after_retries: bool
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class EmailDetailRow(EmailListRow):
    idempotency_key: str
    user_id: UUID | None
    locale: str
    updated_at: datetime
    body_text: str | None
    """None once retention cleared it (SPEC 4.8), like `body_html` and `headers`."""
    body_html: str | None
    headers: dict[str, Any] | None


def _list_row(row: Any) -> EmailListRow:
    return EmailListRow(
        id=row.id,
        recipient=row.recipient,
        kind=row.kind,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
        failed_after_retries=row.failed_after_retries,
        created_at=row.created_at,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
    )


async def list_emails(
    conn: AsyncConnection, *, where: EmailFilter, after: Cursor | None, limit: int
) -> Page[EmailListRow]:
    """Newest first (created_at, id), `limit` rows after the cursor; the page's `next` cursor
    is None at the end. Keyset paging: every row is listed once while rows are added."""
    if after is not None:
        try:
            after_id: UUID | None = UUID(after.key)
        except ValueError as exc:
            raise CursorError("cursor is not one of the email list") from exc
    else:
        after_id = None
    await conn.execute(text(CUSTOM_PLANS))
    result = await conn.execute(
        _LIST_EMAILS,
        {
            **where.params(),
            "c_at": after.at if after is not None else None,
            "c_id": after_id,
            "limit": limit + 1,
        },
    )
    rows = [_list_row(row) for row in result]
    return Page.of(rows, limit, lambda row: Cursor(row.created_at, str(row.id)))


async def get_email(conn: AsyncConnection, email_id: UUID) -> EmailDetailRow | None:
    row = (await conn.execute(_GET_EMAIL, {"id": email_id})).first()
    if row is None:
        return None
    base = _list_row(row)
    return EmailDetailRow(
        **{field.name: getattr(base, field.name) for field in fields(EmailListRow)},
        idempotency_key=row.idempotency_key,
        user_id=row.user_id,
        locale=row.locale,
        updated_at=row.updated_at,
        body_text=row.body_text,
        body_html=row.body_html,
        headers=dict(row.headers) if row.headers is not None else None,
    )


async def suppressed_addresses(
    conn: AsyncConnection, addresses: Collection[str], *, now: datetime
) -> set[str]:
    """Which of `addresses` (as given) are on `email_suppressions` with an entry that has not
    expired at `now`; compared lower-cased, as the list stores them. One primary-key lookup
    per distinct address."""
    if not addresses:
        return set()
    result = await conn.execute(
        text(
            """
            select a.address
              from unnest(cast(:addresses as text[])) as a(address)
             where exists (select 1 from email_suppressions s
                            where s.address = lower(a.address)
                              and (s.expires_at is null or s.expires_at > :now))
            """
        ),
        {"addresses": sorted(set(addresses)), "now": now},
    )
    return {row[0] for row in result}


async def sent_per_hour(conn: AsyncConnection, *, since: datetime) -> list[tuple[datetime, int]]:
    """(UTC hour, emails sent in it) for emails created and sent since `since` (the ops
    console's chart); bounded by email_queue(created_at, status)."""
    result = await conn.execute(
        text(
            """
            select date_trunc('hour', sent_at) as hour, count(*) as sent
              from email_queue
             where created_at >= :since and status = 'sent' and sent_at >= :since
             group by 1
             order by 1
            """
        ),
        {"since": since},
    )
    return [(row.hour, int(row.sent)) for row in result]
