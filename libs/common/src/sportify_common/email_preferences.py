"""`email_preferences` (SPEC 3.2, 12.6): a user's opt-out of one summary kind. All its SQL.

No row means the kind is enabled. The monitor's unsubscribe writes rows (`opt_out`); the
aggregator reads, once per batch of summaries, which users of the batch opted out of the
kind it mails (`opted_out_users`, primary-key lookups); the page reads one user's choices.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.vocabulary import SUMMARY_KINDS, EmailKind


@dataclass(frozen=True, slots=True)
class SummaryChoices:
    """One user as the unsubscribe page needs them."""

    user_id: UUID
    locale: str
    notifications_enabled: bool
    opted_out: frozenset[EmailKind]


async def opted_out_users(
    conn: AsyncConnection, user_ids: Collection[UUID], *, kind: EmailKind
) -> set[UUID]:
    """Which of `user_ids` opted out of `kind`: one statement for the whole batch."""
    if not user_ids:
        return set()
    result = await conn.execute(
        text(
            """
            select p.user_id
              from email_preferences p
             where p.user_id = any(cast(:ids as uuid[]))
               and p.kind = :kind
               and not p.enabled
            """
        ),
        {"ids": list(set(user_ids)), "kind": kind.value},
    )
    return {row[0] for row in result}


async def opt_out(conn: AsyncConnection, user_id: UUID, *, kind: EmailKind, now: datetime) -> None:
    """The user gets no more `kind` summaries (idempotent; a repeat keeps the first instant)."""
    if kind not in SUMMARY_KINDS:
        raise ValueError(f"{kind} is not a summary kind")
    await conn.execute(
        text(
            """
            insert into email_preferences (user_id, kind, enabled, updated_at)
            values (:user_id, :kind, false, :now)
            on conflict (user_id, kind) do update
               set enabled = false, updated_at = excluded.updated_at
             where email_preferences.enabled
            """
        ),
        {"user_id": user_id, "kind": kind.value, "now": now},
    )


async def summary_choices(conn: AsyncConnection, user_id: UUID) -> SummaryChoices | None:
    """The user's locale, notifications switch and opted-out kinds; None for no such user."""
    result = await conn.execute(
        text(
            """
            select u.locale, u.email_notifications_enabled,
                   coalesce(array_agg(p.kind) filter (where p.kind is not null), '{}') as kinds
              from users u
              left join email_preferences p on p.user_id = u.id and not p.enabled
             where u.id = :id and u.deleted_at is null
             group by u.id
            """
        ),
        {"id": user_id},
    )
    row = result.first()
    if row is None:
        return None
    return SummaryChoices(
        user_id=user_id,
        locale=row[0],
        notifications_enabled=row[1],
        opted_out=frozenset(EmailKind(kind) for kind in row[2]),
    )
