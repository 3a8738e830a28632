"""Reads of the mailer's tables by the other services: read-only, named, in one place.

The mailer owns `email_queue` and writes it; the same goes for the bounces on
`email_suppressions` (operators add and remove entries through the admin API). What others may
know of either table is here. Every read is bounded by an index (db/tables.py):
email_queue(idempotency_key), email_queue(created_at, status), email_queue(status),
email_suppressions(address).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

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
    result = await conn.execute(
        text("select idempotency_key from email_queue where idempotency_key = any(:keys)"),
        {"keys": list(keys)},
    )
    return {row[0] for row in result}


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
