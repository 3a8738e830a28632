"""Requeued rows are sent by the mailers' normal drain loop, each exactly once even with two
mailers on one database; sent and skipped rows are never sent again."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.settings import Settings, load_settings
from sportify_common.vocabulary import EmailStatus
from sportify_mailer.app import create_app
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.mail_admin_factories import insert_failed
from tests.support.mail_factories import email_rows, insert_emails
from tests.support.smtp import SmtpSink

FAILED = 300


async def _statuses(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as conn:
        result = await conn.execute(text("select status, count(*) from email_queue group by 1"))
        return Counter({str(row[0]): int(row[1]) for row in result.all()})


async def test_two_mailers_send_every_requeued_row_exactly_once(
    engine: AsyncEngine, mail_settings: Settings, sink: SmtpSink
) -> None:
    created = datetime.now(UTC) - timedelta(days=1)
    await insert_failed(engine, FAILED, created_at=created)
    await insert_emails(engine, 5, created_at=created, status=EmailStatus.SENT)
    await insert_emails(engine, 5, created_at=created, status=EmailStatus.SKIPPED)
    rows = await email_rows(engine)
    untouchable = {r["recipient"] for r in rows if r["status"] != EmailStatus.FAILED}
    settings = load_settings(**{**mail_settings.model_dump(), "email_retry_poll_seconds": 0.2})

    async with AsyncExitStack() as stack:
        for _ in range(2):
            mailer = create_app(settings)
            await mailer.start()
            stack.push_async_callback(mailer.stop)
        _monitor, client = await stack.enter_async_context(running_monitor(settings, clock=utc_now))
        dry = await client.post(
            "/api/admin/emails/requeue", json={"filter": {}, "dryRun": True}, headers=ADMIN
        )
        await asyncio.sleep(1.0)  # several drain rounds: a dry run sends nothing
        assert sink.messages == []
        real = await client.post("/api/admin/emails/requeue", json={"filter": {}}, headers=ADMIN)
        deadline = time.monotonic() + 60
        while (await _statuses(engine))[EmailStatus.SENT] < FAILED + 5:
            assert time.monotonic() < deadline, await _statuses(engine)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # more drain rounds: nothing is sent twice

    assert dry.json()["requeued"] == real.json()["requeued"] == FAILED
    assert real.json()["notFailed"] == 10
    delivered = Counter(to for envelope in sink.handler.envelopes for to in envelope.rcpt_tos)
    assert len(delivered) == FAILED
    assert set(delivered.values()) == {1}
    assert not untouchable & set(delivered)
    assert await _statuses(engine) == Counter({"sent": FAILED + 5, "skipped": 5})
