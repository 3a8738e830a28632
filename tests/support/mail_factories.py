"""Test helpers for the mailer: users, queued emails, a clock that tests move by hand."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.messages import EmailKind, EmailRequested
from sportify_common.vocabulary import EmailStatus
from tests.support.ids import random_email, random_name

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass
class ManualClock:
    now: datetime = field(default_factory=lambda: T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def insert_user(
    engine: AsyncEngine,
    *,
    email: str | None = None,
    notifications: bool = True,
    deleted: bool = False,
    locale: str = "de",
) -> UUID:
    user_id = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into users (id, email, display_name, locale, email_notifications_enabled,"
                " deleted_at) values (:id, :email, :name, :locale, :enabled, :deleted)"
            ),
            {
                "id": user_id,
                "email": email or random_email(),
                "name": random_name(),
                "locale": locale,
                "enabled": notifications,
                "deleted": T0 if deleted else None,
            },
        )
    return user_id


async def set_notifications(engine: AsyncEngine, user_id: UUID, *, enabled: bool) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("update users set email_notifications_enabled = :e where id = :id"),
            {"e": enabled, "id": user_id},
        )


def email_requested(
    *,
    key: str | None = None,
    kind: EmailKind = EmailKind.WEEKLY_SUMMARY,
    recipient: str | None = None,
    user_id: UUID | None = None,
    subject: str = "Deine Woche",
    headers: dict[str, str] | None = None,
) -> EmailRequested:
    return EmailRequested(
        idempotency_key=key or f"{kind.value}:{uuid4()}:2026-02-23",
        kind=kind,
        recipient=recipient or random_email(),
        user_id=user_id,
        locale="de",
        subject=subject,
        body_text="Hallo!\nDeine Woche.",
        body_html="<p>Hallo!</p>",
        headers=headers
        if headers is not None
        else {
            "List-Unsubscribe": "<http://localhost:8000/api/unsubscribe?token=t>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


async def insert_emails(
    engine: AsyncEngine,
    count: int,
    *,
    kind: EmailKind = EmailKind.WEEKLY_SUMMARY,
    created_at: datetime = T0,
    next_attempt_at: datetime | None = None,
    user_id: UUID | None = None,
    recipient: str | None = None,
    status: str = EmailStatus.PENDING,
    attempts: int = 0,
) -> list[UUID]:
    """Queue `count` rows directly (bypassing the broker); returns their ids in order."""
    ids = [uuid4() for _ in range(count)]
    rows: list[dict[str, Any]] = [
        {
            "id": email_id,
            "key": f"test:{email_id}",
            "recipient": recipient or random_email(),
            "user_id": user_id,
            "kind": kind.value,
            "subject": f"Test {i}",
            "headers": json.dumps({"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}),
            "status": status,
            "attempts": attempts,
            "next": next_attempt_at or created_at,
            "created": created_at,
        }
        for i, email_id in enumerate(ids)
    ]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_queue (id, idempotency_key, recipient, user_id, kind, locale,"
                " subject, body_text, body_html, headers, status, attempts, next_attempt_at,"
                " created_at, updated_at) values (:id, :key, :recipient, :user_id, :kind, 'de',"
                " :subject, 'text', '<p>html</p>', cast(:headers as jsonb), :status, :attempts,"
                " :next, :created, :created)"
            ),
            rows,
        )
    return ids


async def email_row(engine: AsyncEngine, email_id: UUID) -> dict[str, Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select * from email_queue where id = :id"), {"id": email_id}
        )
        return dict(result.mappings().one())


async def email_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text("select * from email_queue order by created_at, id"))
        return [dict(m) for m in result.mappings()]


async def wait_rows(engine: AsyncEngine, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """email_queue's rows once there are at least `count` (fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        rows = await email_rows(engine)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} rows, got {len(rows)}")
