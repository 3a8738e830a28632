"""Replies to RCPT TO and DATA judge one message (SPEC 4.4): 4xx retries with back-off, 5xx
fails at once, and a mailbox that does not exist puts the address on the suppression list."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import publish
from sportify_common.messages import EmailKind, RoutingKey
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from sportify_common.vocabulary import ADDRESS_SUPPRESSED
from sportify_mailer.app import create_app
from sportify_mailer.delivery import Delivery
from tests.integration.mailer.test_app import client
from tests.support.mail_factories import (
    T0,
    ManualClock,
    email_requested,
    email_row,
    insert_emails,
)
from tests.support.smtp import SmtpSink

TINY_RETRIES = {
    "email_retry_base_seconds": 0.2,
    "email_retry_max_seconds": 0.4,
    "email_retry_poll_seconds": 0.1,
}


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[None]:
    app = create_app(settings)
    await app.start()
    try:
        yield
    finally:
        await app.stop()


async def settled_row(engine: AsyncEngine, key: str, *, timeout: float = 20) -> dict[str, Any]:
    """The row of `key` once it is `sent`, `failed` or `skipped`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        text("select * from email_queue where idempotency_key = :k"), {"k": key}
                    )
                )
                .mappings()
                .first()
            )
        if row is not None and row["status"] in ("sent", "failed", "skipped"):
            return dict(row)
        await asyncio.sleep(0.05)
    raise AssertionError(f"the email {key} did not settle")


async def suppression(engine: AsyncEngine, address: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    text("select * from email_suppressions where address = :a"), {"a": address}
                )
            )
            .mappings()
            .first()
        )
    return None if row is None else dict(row)


async def test_a_451_is_retried_after_the_back_off_and_then_sent(
    mail_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    settings = load_settings(**{**mail_settings.model_dump(), **TINY_RETRIES})
    message = email_requested()
    sink.handler.transient_failures = 1

    async with running(settings), client(settings) as broker:
        topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
        await publish(broker, topology, RoutingKey.EMAIL_REQUESTED, message)
        row = await settled_row(engine, message.idempotency_key)

    assert (row["status"], row["attempts"], row["failed_after_retries"]) == ("sent", 2, False)
    assert len(sink.to(message.recipient)) == 1


async def test_three_451s_fail_the_email_after_retries(
    mail_settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    settings = load_settings(**{**mail_settings.model_dump(), **TINY_RETRIES})
    message = email_requested()
    sink.handler.transient_failures = 3

    async with running(settings), client(settings) as broker:
        topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
        await publish(broker, topology, RoutingKey.EMAIL_REQUESTED, message)
        row = await settled_row(engine, message.idempotency_key)

    assert (row["status"], row["attempts"], row["failed_after_retries"]) == ("failed", 3, True)
    assert row["error"].startswith("transient: 451")
    assert sink.messages == []


async def test_a_550_5_1_1_fails_at_once_and_suppresses_the_address_for_30_days(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    (email_id,) = await insert_emails(engine, 1, recipient="Gone@Example.test")
    sink.handler.permanent_recipients.add("Gone@Example.test")

    stats = await delivery.drain(25)

    row = await email_row(engine, email_id)
    entry = await suppression(engine, "gone@example.test")
    assert (stats.processed, stats.failed) == (1, 1)
    assert (row["status"], row["attempts"], row["failed_after_retries"]) == ("failed", 1, False)
    assert entry is not None
    assert (entry["source"], entry["email_id"]) == ("bounce", email_id)
    assert "550 5.1.1" in entry["reason"]
    assert entry["expires_at"] == clock.now + timedelta(days=30)


async def test_the_next_summary_for_a_bounced_address_is_skipped_but_alerts_still_go_out(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    address = "gone@example.test"
    (bounced,) = await insert_emails(engine, 1, recipient=address)
    sink.handler.permanent_recipients.add(address)
    await delivery.drain(25)
    sink.handler.permanent_recipients.clear()  # the server would even take it now
    clock.advance(days=7)
    (next_week,) = await insert_emails(engine, 1, recipient=address, created_at=clock.now)
    (alert,) = await insert_emails(
        engine, 1, recipient=address.upper(), kind=EmailKind.ALERT, created_at=clock.now
    )

    stats = await delivery.drain(25)

    skipped = await email_row(engine, next_week)
    assert (stats.processed, stats.sent, stats.skipped) == (2, 1, 1)
    assert (skipped["status"], skipped["error"], skipped["attempts"]) == (
        "skipped",
        ADDRESS_SUPPRESSED,
        0,
    )
    assert (await email_row(engine, alert))["status"] == "sent"
    assert (await email_row(engine, bounced))["status"] == "failed"
    assert [str(m["To"]) for m in sink.messages] == [address.upper()]


async def test_an_expired_suppression_no_longer_skips(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    await _suppress(engine, "back@example.test", source="bounce", expires_at=T0)
    (email_id,) = await insert_emails(engine, 1, recipient="back@example.test")

    await delivery.drain(25)

    assert (await email_row(engine, email_id))["status"] == "sent"


async def test_a_bounce_never_shortens_an_operator_entry_and_refreshes_a_bounce_entry(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    await _suppress(engine, "kept@example.test", source="operator", expires_at=None)
    await _suppress(engine, "again@example.test", source="bounce", expires_at=T0)
    kept = await insert_emails(engine, 1, recipient="kept@example.test", kind=EmailKind.ALERT)
    again = await insert_emails(engine, 2, recipient="again@example.test")
    sink.handler.permanent_recipients |= {"kept@example.test", "again@example.test"}

    await delivery.drain(25)

    operator = await suppression(engine, "kept@example.test")
    bounce = await suppression(engine, "again@example.test")
    assert operator is not None
    assert bounce is not None
    assert (operator["source"], operator["expires_at"], operator["reason"]) == (
        "operator",
        None,
        "set by a test",
    )
    assert bounce["source"] == "bounce"
    assert bounce["expires_at"] == clock.now + timedelta(days=30)
    assert bounce["email_id"] in again
    assert "550" in bounce["reason"]
    assert (await email_row(engine, kept[0]))["status"] == "failed"


async def _suppress(engine: AsyncEngine, address: str, *, source: str, expires_at: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_suppressions (address, reason, source, created_at, expires_at)"
                " values (:a, 'set by a test', :s, :c, :e)"
            ),
            {"a": address, "s": source, "c": T0 - timedelta(days=1), "e": expires_at},
        )
