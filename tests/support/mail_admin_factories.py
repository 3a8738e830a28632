"""Rows for the mail operations' tests: emails in any state, suppression entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.vocabulary import EmailKind, EmailStatus
from tests.support.mail_factories import insert_emails


async def insert_failed(
    engine: AsyncEngine,
    count: int,
    *,
    created_at: datetime,
    failed_after_retries: bool = False,
    kind: EmailKind = EmailKind.WEEKLY_SUMMARY,
) -> list[UUID]:
    ids = await insert_emails(
        engine, count, kind=kind, created_at=created_at, status=EmailStatus.FAILED, attempts=3
    )
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "update email_queue set error = 'permanent: 550 no', failed_after_retries = :far "
                "where id = any(:ids)"
            ),
            {"ids": ids, "far": failed_after_retries},
        )
    return ids


async def insert_many_failed(engine: AsyncEngine, count: int, *, created_at: datetime) -> None:
    """`count` failed rows in one statement (the 10,000-row confirmation)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_queue (id, idempotency_key, recipient, kind, locale, subject,"
                " body_text, body_html, headers, status, attempts, error, next_attempt_at,"
                " created_at, updated_at)"
                " select gen_random_uuid(), 'bulk:' || g, 'bulk-' || g || '@example.test',"
                " 'weekly-summary', 'de', 'Bulk', 'text', '<p>html</p>', '{}'::jsonb, 'failed', 3,"
                " 'permanent: 550', :at, :at, :at from generate_series(1, :count) g"
            ),
            {"count": count, "at": created_at},
        )


async def clear_bodies(engine: AsyncEngine, ids: list[UUID]) -> None:
    """What retention does to an old row (SPEC 4.8)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "update email_queue set body_text = null, body_html = null, headers = null "
                "where id = any(:ids)"
            ),
            {"ids": ids},
        )


async def insert_suppression(
    engine: AsyncEngine,
    address: str,
    *,
    source: str,
    created_at: datetime,
    expires_at: datetime | None,
    reason: str = "550 5.1.1 No such user",
    email_id: UUID | None = None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_suppressions (address, reason, source, email_id, created_at,"
                " expires_at) values (:address, :reason, :source, :email_id, :created, :expires)"
            ),
            {
                "address": address,
                "reason": reason,
                "source": source,
                "email_id": email_id,
                "created": created_at,
                "expires": expires_at,
            },
        )


async def audit_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text("select * from audit_log order by at, id"))
        return [dict(m) for m in result.mappings()]
