"""SQL on `email_queue` (bulk store, claim what is due, record outcomes) and the mailer's writes
to `email_suppressions` (bounces). Bound params only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.email_queue_reads import CUSTOM_PLANS
from sportify_common.messages import EmailRequested
from sportify_common.vocabulary import (
    DUE_EMAIL_STATUSES,
    EmailKind,
    EmailStatus,
    SuppressionSource,
    sql_literals,
)
from sportify_mailer.records import DueEmail
from sportify_mailer.retry import Outcome

# Literals, not bound parameters: the claims must match the partial indexes ix_email_queue_due
# and ix_email_queue_due_alerts (their predicates) in every plan.
_PENDING = sql_literals([EmailStatus.PENDING])
_DUE = f"e.status in ({sql_literals(DUE_EMAIL_STATUSES)}) and e.next_attempt_at <= :now"
_ALERT = sql_literals([EmailKind.ALERT])
_ALERT_FIRST = f"(c.kind = {_ALERT}) desc"

_INSERT = text(
    f"""
    insert into email_queue
        (id, idempotency_key, recipient, user_id, kind, locale, subject, body_text, body_html,
         headers, status, attempts, failed_after_retries, next_attempt_at, created_at, updated_at)
    select v.id, v.key, v.recipient, v.user_id, v.kind, v.locale, v.subject, v.body_text,
           v.body_html, v.headers::jsonb, {_PENDING}, 0, false, :now, :now, :now
      from unnest(cast(:ids as uuid[]), cast(:keys as text[]), cast(:recipients as text[]),
                  cast(:user_ids as uuid[]), cast(:kinds as text[]), cast(:locales as text[]),
                  cast(:subjects as text[]), cast(:body_texts as text[]),
                  cast(:body_htmls as text[]), cast(:headers as text[]))
           as v(id, key, recipient, user_id, kind, locale, subject, body_text, body_html, headers)
    on conflict (idempotency_key) do nothing
    returning id, idempotency_key
    """
)


async def insert_requested(
    conn: AsyncConnection, messages: Sequence[EmailRequested], *, now: datetime
) -> list[tuple[UUID, str]]:
    """One multi-row insert; duplicates (by idempotency key) are ignored. Returns new (id, key)."""
    unique = list({m.idempotency_key: m for m in messages}.values())
    if not unique:
        return []
    result = await conn.execute(
        _INSERT,
        {
            "ids": [uuid4() for _ in unique],
            "keys": [m.idempotency_key for m in unique],
            "recipients": [m.recipient for m in unique],
            "user_ids": [m.user_id for m in unique],
            "kinds": [m.kind.value for m in unique],
            "locales": [m.locale for m in unique],
            "subjects": [m.subject for m in unique],
            "body_texts": [m.body_text for m in unique],
            "body_htmls": [m.body_html for m in unique],
            "headers": [json.dumps(m.headers) for m in unique],
            "now": now,
        },
    )
    return [(row.id, row.idempotency_key) for row in result]


_CLAIMED_COLUMNS = """
    e.id, e.idempotency_key, e.recipient, e.user_id, e.kind, e.subject, e.body_text,
    e.body_html, e.headers, e.attempts, e.created_at, e.next_attempt_at
"""

# The claimed rows (locked in the CTE `claimed`, their latest versions) with what the sender
# must know of their users; a primary-key probe per claimed row, nothing more.
_CLAIMED_WITH_USERS = f"""
    select c.*,
           u.id is not null as user_exists,
           coalesce(u.email_notifications_enabled, false) as notifications_enabled,
           u.deleted_at is not null as user_deleted,
           exists(select 1 from email_preferences p
                   where p.user_id = c.user_id and p.kind = c.kind and not p.enabled)
               as kind_opted_out,
           exists(select 1 from email_suppressions s
                   where s.address = lower(c.recipient)
                     and (s.expires_at is null or s.expires_at > :now)) as suppressed
      from claimed c left join users u on u.id = c.user_id
     order by {_ALERT_FIRST}, c.next_attempt_at, c.created_at, c.id
"""

# Alerts first: the due alerts from the start of their own small index (ix_email_queue_due_alerts);
# then the other due rows from where the walk got to (`after`), along ix_email_queue_due, so a
# claim never steps over the entries of rows already sent (dead, and not yet removable while a
# long transaction runs elsewhere). Rows of `others` beyond the limit stay locked until the
# transaction ends and are released untouched (they lie after the new walk position).
_CLAIM_DUE = text(
    f"""
    with alerts as (
        select {_CLAIMED_COLUMNS}
          from email_queue e
         where {_DUE} and e.kind = {_ALERT}
         order by e.next_attempt_at, e.created_at, e.id
         limit :limit
           for update skip locked
    ), others as (
        select {_CLAIMED_COLUMNS}
          from email_queue e
         where {_DUE} and e.kind <> {_ALERT}
           and (e.next_attempt_at, e.created_at, e.id) > (:after_at, :after_created, :after_id)
         order by e.next_attempt_at, e.created_at, e.id
         limit :limit
           for update skip locked
    ), claimed as (
        select * from alerts union all select * from others
    )
    {_CLAIMED_WITH_USERS}
     limit :limit
    """
)

_CLAIM_IDS = text(
    f"""
    with claimed as (
        select {_CLAIMED_COLUMNS}
          from email_queue e
         where e.id = any(cast(:ids as uuid[]))
           and {_DUE}
           for update skip locked
    )
    {_CLAIMED_WITH_USERS}
    """
)


class WalkKey(NamedTuple):
    """A due row's place in ix_email_queue_due: (next_attempt_at, created_at, id)."""

    next_attempt_at: datetime
    created_at: datetime
    id: UUID


WALK_START = WalkKey(
    datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC), UUID(int=0)
)
"""Before every row: a walk from the start of the index."""


def walk_key(email: DueEmail) -> WalkKey | None:
    """The row's place in the walk of the non-alert due rows (None for an alert)."""
    if email.kind == EmailKind.ALERT or email.next_attempt_at is None or email.created_at is None:
        return None
    return WalkKey(email.next_attempt_at, email.created_at, email.id)


def _due(row: Any) -> DueEmail:
    return DueEmail(
        id=row.id,
        idempotency_key=row.idempotency_key,
        recipient=row.recipient,
        user_id=row.user_id,
        kind=row.kind,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        headers=dict(row.headers or {}),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        user_exists=row.user_exists,
        notifications_enabled=row.notifications_enabled,
        user_deleted=row.user_deleted,
        kind_opted_out=row.kind_opted_out,
        suppressed=row.suppressed,
    )


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime,
    limit: int,
    ids: Sequence[UUID] | None = None,
    after: WalkKey = WALK_START,
) -> list[DueEmail]:
    """Lock due rows (alerts first, then oldest); rows another dispatcher holds are skipped.

    Without `ids`: the due alerts, then the other due rows after `after` in
    ix_email_queue_due's order (next_attempt_at, created_at, id). With `ids`: those of them
    still due, by primary key.

    The locks last until the caller's transaction ends, i.e. across the send and the update.
    Each row says whether its recipient is suppressed (a primary-key lookup per claimed row),
    so the claim's transaction decides the skip and `record_outcomes` writes it with the rest.

    Both claims are planned for each execution (`CUSTOM_PLANS`): a prepared statement's
    generic plan, cached while the queue was empty, was a sequential scan and a sort of every
    due row at every claim (bench/README.md, issue 17).
    """
    await conn.execute(text(CUSTOM_PLANS))
    if ids is not None:
        result = await conn.execute(_CLAIM_IDS, {"ids": list(ids), "now": now})
    else:
        result = await conn.execute(
            _CLAIM_DUE,
            {
                "now": now,
                "limit": limit,
                "after_at": after.next_attempt_at,
                "after_created": after.created_at,
                "after_id": after.id,
            },
        )
    return [_due(row) for row in result]


_RECORD = text(
    """
    update email_queue e
       set status = v.status,
           attempts = v.attempts,
           error = v.error,
           failed_after_retries = v.failed_after_retries,
           next_attempt_at = coalesce(v.next_attempt_at, e.next_attempt_at),
           sent_at = coalesce(v.sent_at, e.sent_at),
           updated_at = :now
      from unnest(cast(:ids as uuid[]), cast(:statuses as text[]), cast(:attempts as int[]),
                  cast(:errors as text[]), cast(:fars as boolean[]),
                  cast(:nexts as timestamptz[]), cast(:sents as timestamptz[]))
           as v(id, status, attempts, error, failed_after_retries, next_attempt_at, sent_at)
     where e.id = v.id
    """
)


async def record_outcomes(
    conn: AsyncConnection, outcomes: Sequence[tuple[UUID, Outcome]], *, now: datetime
) -> None:
    if not outcomes:
        return
    await conn.execute(
        _RECORD,
        {
            "ids": [i for i, _ in outcomes],
            "statuses": [o.status.value for _, o in outcomes],
            "attempts": [o.attempts for _, o in outcomes],
            "errors": [o.error for _, o in outcomes],
            "fars": [o.failed_after_retries for _, o in outcomes],
            "nexts": [o.next_attempt_at for _, o in outcomes],
            "sents": [o.sent_at for _, o in outcomes],
            "now": now,
        },
    )


# Retention (SPEC 4.8): one batch per statement, each in the caller's short transaction. The
# batch's ids reach the delete or update as an array (`id = any(array(...))`), so it finds them
# through the primary key: joined to the batch instead, the planner hashed a scan of the
# whole table (300,000 rows: 150-250 ms a batch).
# Only finished rows (sent, skipped, failed) are touched: a pending or retrying row is work
# still owed, whatever its age. The batches walk forwards from `after` (the newest
# created_at of the previous batch), so no batch re-reads the rows its predecessors removed
# while a long transaction elsewhere (a weekly run) keeps them from being pruned.
_DELETE_FINISHED = text(
    """
    with batch as (
        select id, created_at from email_queue
         where created_at >= :after and created_at < :cutoff
           and status in ('sent', 'skipped', 'failed')
         order by created_at
         limit :limit
           for update skip locked
    ), gone as (
        delete from email_queue e where e.id = any(array(select id from batch))
        returning e.created_at
    )
    select count(*) as rows, max(created_at) as last from gone
    """
)

# The partial index ix_email_queue_bodies_kept holds exactly the rows this may clear, so a
# run never walks the rows earlier runs already cleared.
_CLEAR_BODIES = text(
    """
    with batch as (
        select id, created_at from email_queue
         where created_at >= :after and created_at < :cutoff
           and status in ('sent', 'skipped', 'failed') and body_text is not null
         order by created_at
         limit :limit
           for update skip locked
    ), cleared as (
        update email_queue e set body_text = null, body_html = null, headers = null
         where e.id = any(array(select id from batch))
        returning e.created_at
    )
    select count(*) as rows, max(created_at) as last from cleared
    """
)

# A bounce refreshes a bounce entry (later expiry, the new reply and row) but never shortens
# an entry without expiry (an operator's); an expired entry starts afresh.
_SUPPRESS_BOUNCES = text(
    """
    insert into email_suppressions as s (address, reason, source, email_id, created_at, expires_at)
    select distinct on (lower(v.address))
           lower(v.address), v.reason, :source, v.email_id, :now, :expires_at
      from unnest(cast(:addresses as text[]), cast(:reasons as text[]),
                  cast(:email_ids as uuid[])) with ordinality as v(address, reason, email_id, n)
     order by lower(v.address), v.n desc
    on conflict (address) do update
       set reason = excluded.reason,
           email_id = excluded.email_id,
           created_at = case when s.expires_at <= excluded.created_at
                             then excluded.created_at else s.created_at end,
           expires_at = greatest(s.expires_at, excluded.expires_at)
     where s.expires_at is not null
    """
)


async def delete_finished_emails(
    conn: AsyncConnection, *, cutoff: datetime, after: datetime, limit: int
) -> tuple[int, datetime | None]:
    """Delete up to `limit` finished rows created in [`after`, `cutoff`), oldest first.

    Returns how many and the newest created_at among them (the next batch's `after`). Rows
    another transaction holds (a sender, a requeue, another retention run) are skipped.
    Walks ix_email_queue_created_at_status.
    """
    row = (
        await conn.execute(_DELETE_FINISHED, {"cutoff": cutoff, "after": after, "limit": limit})
    ).one()
    return int(row.rows), row.last


async def clear_bodies(
    conn: AsyncConnection, *, cutoff: datetime, after: datetime, limit: int
) -> tuple[int, datetime | None]:
    """Set body_text, body_html and headers to null on up to `limit` finished rows created in
    [`after`, `cutoff`) whose body is still there, oldest first; as `delete_finished_emails`.
    `updated_at` is left alone: it still says when the row's delivery last changed."""
    row = (
        await conn.execute(_CLEAR_BODIES, {"cutoff": cutoff, "after": after, "limit": limit})
    ).one()
    return int(row.rows), row.last


async def delete_expired_suppressions(conn: AsyncConnection, *, now: datetime, limit: int) -> int:
    """Delete up to `limit` suppressions whose `expires_at` has passed (operator entries,
    which never expire, stay). Walks ix_email_suppressions_expires_at."""
    result = await conn.execute(
        text(
            """
            with batch as (
                select address from email_suppressions where expires_at < :now
                 order by expires_at limit :limit for update skip locked
            )
            delete from email_suppressions where address = any(array(select address from batch))
            """
        ),
        {"now": now, "limit": limit},
    )
    return int(result.rowcount)


async def suppress_bounces(
    conn: AsyncConnection,
    bounces: Sequence[tuple[str, UUID, str]],
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Put each (recipient, email id, reply) on `email_suppressions` as a bounce until
    `expires_at`; one statement. An address twice in `bounces` is written once (the last)."""
    if not bounces:
        return
    rows = list(bounces)
    await conn.execute(
        _SUPPRESS_BOUNCES,
        {
            "addresses": [recipient.strip() for recipient, _, _ in rows],
            "reasons": [reason for _, _, reason in rows],
            "email_ids": [email_id for _, email_id, _ in rows],
            "source": SuppressionSource.BOUNCE.value,
            "now": now,
            "expires_at": expires_at,
        },
    )
