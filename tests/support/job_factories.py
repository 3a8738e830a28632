"""Row-inserting helpers for job_runs, email_queue and users (explicit timestamps for window tests)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.vocabulary import EmailKind, EmailStatus
from tests.support.ids import random_email, random_name


async def insert_job_run(
    engine: AsyncEngine,
    *,
    job_name: str,
    status: str,
    scheduled_for: datetime,
    created_at: datetime,
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
) -> UUID:
    run_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into job_runs (id, job_name, scheduled_for, status, started_at,
                                      completed_at, metadata, created_at)
                values (:id, :job_name, :scheduled_for, :status, :started_at, :completed_at,
                        cast(:metadata as jsonb), :created_at)
                """
            ),
            {
                "id": run_id,
                "job_name": job_name,
                "scheduled_for": scheduled_for,
                "status": status,
                "started_at": started_at,
                "completed_at": completed_at,
                "metadata": json.dumps(metadata or {"trigger": "cron", "attempt": 1}),
                "created_at": created_at,
            },
        )
    return run_id


async def insert_email(
    engine: AsyncEngine,
    *,
    created_at: datetime,
    status: str = EmailStatus.SENT,
    kind: str = EmailKind.WEEKLY_SUMMARY,
    attempts: int = 1,
    failed_after_retries: bool = False,
    error: str | None = None,
    sent_at: datetime | None = None,
    subject: str = "Your week",
) -> UUID:
    email_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into email_queue (id, idempotency_key, recipient, kind, subject, body_text,
                                         body_html, status, attempts, error, failed_after_retries,
                                         next_attempt_at, created_at, updated_at, sent_at)
                values (:id, :key, :recipient, :kind, :subject, 'text', '<p>html</p>', :status,
                        :attempts, :error, :far, :created_at, :created_at, :created_at, :sent_at)
                """
            ),
            {
                "id": email_id,
                "key": f"test:{email_id}",
                "recipient": random_email(),
                "kind": kind,
                "subject": subject,
                "status": status,
                "attempts": attempts,
                "error": error,
                "far": failed_after_retries,
                "created_at": created_at,
                "sent_at": sent_at,
            },
        )
    return email_id


async def insert_user(engine: AsyncEngine, *, notifications: bool = True) -> UUID:
    user_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into users (id, email, display_name, email_notifications_enabled)
                values (:id, :email, :name, :enabled)
                """
            ),
            {
                "id": user_id,
                "email": random_email(),
                "name": random_name(),
                "enabled": notifications,
            },
        )
    return user_id


async def job_run(engine: AsyncEngine, run_id: UUID) -> dict[str, Any]:
    async with engine.connect() as conn:
        result = await conn.execute(text("select * from job_runs where id = :id"), {"id": run_id})
        row = result.mappings().one()
    return dict(row)


async def notifications_enabled(engine: AsyncEngine, user_id: UUID) -> bool:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select email_notifications_enabled from users where id = :id"), {"id": user_id}
        )
        return bool(result.scalar_one())
