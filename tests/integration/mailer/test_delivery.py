"""Sending against the real aiosmtpd sink and PostgreSQL: outcomes, retries, claims."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sportify_common.email_preferences import opt_out
from sportify_common.messages import EmailKind
from sportify_common.settings import Settings
from sportify_common.vocabulary import KIND_OPTED_OUT, EmailStatus
from sportify_mailer.app import delivery_config
from sportify_mailer.circuit import SmtpStage
from sportify_mailer.delivery import Delivery, DueWalk
from sportify_mailer.retry import SendFailure
from sportify_mailer.smtp import SmtpPool
from tests.integration.mailer.conftest import fast_config
from tests.support.mail_factories import (
    T0,
    ManualClock,
    email_row,
    insert_emails,
    insert_user,
    set_notifications,
)
from tests.support.smtp import SmtpSink, free_port


async def test_transient_failure_is_retried_after_backoff_and_then_sent(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    (email_id,) = await insert_emails(engine, 1)
    sink.handler.transient_failures = 1

    first = await delivery.drain(25)
    row = await email_row(engine, email_id)
    assert (first.processed, first.failed, first.sent) == (1, 1, 0)
    assert (row["status"], row["attempts"]) == ("retrying", 1)
    assert "451" in row["error"]
    assert T0 < row["next_attempt_at"] <= clock.advance(seconds=0) + _seconds(30)

    not_yet = await delivery.drain(25)
    assert not_yet.processed == 0

    clock.advance(seconds=31)
    second = await delivery.drain(25)
    row = await email_row(engine, email_id)
    assert (second.processed, second.sent) == (1, 1)
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 2, clock.now)
    assert len(sink.messages) == 1


async def test_three_transient_failures_fail_the_email_after_retries(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    (email_id,) = await insert_emails(engine, 1)
    sink.handler.transient_failures = 3
    for _ in range(3):
        stats = await delivery.drain(25)
        assert stats.failed == 1
        clock.advance(hours=2)
    row = await email_row(engine, email_id)
    assert (row["status"], row["attempts"], row["failed_after_retries"]) == ("failed", 3, True)
    assert (await delivery.drain(25)).processed == 0
    assert sink.messages == []


async def test_rejected_recipient_fails_at_once_without_retries(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    (email_id,) = await insert_emails(engine, 1, recipient="gone@example.test")
    sink.handler.permanent_recipients.add("gone@example.test")
    stats = await delivery.drain(25)
    row = await email_row(engine, email_id)
    assert (stats.processed, stats.failed) == (1, 1)
    assert (row["status"], row["attempts"], row["failed_after_retries"]) == ("failed", 1, False)
    assert "550" in row["error"]


async def test_dropped_connection_counts_no_attempt_and_is_sent_once_the_probe_passes(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    (email_id,) = await insert_emails(engine, 1)
    before = await email_row(engine, email_id)
    sink.handler.drop_connections = 1

    stats = await delivery.drain(25)

    assert (stats.processed, stats.failed) == (0, 0)
    assert await email_row(engine, email_id) == before
    assert delivery.breaker.is_open
    await asyncio.wait_for(delivery.breaker.wait_closed(), 5)
    await delivery.drain(25)
    row = await email_row(engine, email_id)
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 1, None)
    assert len(sink.messages) == 1


async def test_unreachable_server_leaves_the_row_exactly_as_it_was_and_claims_nothing_more(
    engine: AsyncEngine, mail_settings: Settings, clock: ManualClock
) -> None:
    (email_id,) = await insert_emails(engine, 1, status=EmailStatus.RETRYING, attempts=1)
    before = await email_row(engine, email_id)
    closed = mail_settings.model_copy(update={"smtp_port": free_port()})  # nothing listens
    pool = SmtpPool(closed)
    delivery = Delivery(engine, pool, fast_config(closed), clock=clock, rng=lambda: 0.5)
    try:
        first = await delivery.drain(25)
        await asyncio.sleep(0.5)  # several probes fail meanwhile
        second = await delivery.drain(25)
        circuit = delivery.breaker.circuit
    finally:
        await delivery.breaker.stop()
        await pool.close()

    assert (first.processed, second.processed) == (0, 0)
    assert circuit.is_open
    assert circuit.failed_probes >= 2
    assert "connection failed" in (circuit.reason or "")
    assert await email_row(engine, email_id) == before


async def test_a_server_failure_mid_batch_gives_back_the_rows_not_yet_sent(
    engine: AsyncEngine, mail_settings: Settings, sink: SmtpSink, clock: ManualClock
) -> None:
    ids = await insert_emails(engine, 20)
    sink.handler.drop_connections = 1
    one_connection = SmtpPool(mail_settings, size=1)
    delivery = Delivery(
        engine, one_connection, fast_config(mail_settings), clock=clock, rng=lambda: 0.5
    )
    try:
        stats = await delivery.deliver_batch(limit=20)
        rows = [await email_row(engine, i) for i in ids]
    finally:
        await delivery.breaker.stop()
        await one_connection.close()

    assert (stats.sent, stats.failed) == (0, 0)
    assert [(r["status"], r["attempts"], r["updated_at"]) for r in rows] == [
        ("pending", 0, T0)
    ] * 20
    assert sink.messages == []


async def test_a_dispatch_during_an_open_circuit_sends_nothing_and_reports_nothing(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    await insert_emails(engine, 3)
    delivery.breaker.trip(SendFailure(None, "refused", SmtpStage.CONNECT))

    stats = await delivery.drain(25)

    assert (stats.processed, stats.sent, stats.failed, stats.skipped) == (0, 0, 0, 0)
    assert sink.messages == []


async def test_two_dispatchers_at_once_send_every_row_exactly_once(
    engine: AsyncEngine, mail_settings: Settings, sink: SmtpSink, clock: ManualClock
) -> None:
    ids = await insert_emails(engine, 500)
    other_engine = create_async_engine(mail_settings.async_database_url)
    pools = [SmtpPool(mail_settings), SmtpPool(mail_settings)]
    dispatchers = [
        Delivery(engine, pools[0], delivery_config(mail_settings), clock=clock),
        Delivery(other_engine, pools[1], delivery_config(mail_settings), clock=clock),
    ]
    try:
        results = await asyncio.gather(*(d.drain(1000, concurrency=3) for d in dispatchers))
    finally:
        for pool in pools:
            await pool.close()
        await other_engine.dispose()

    assert sum(r.sent for r in results) == 500
    assert all(r.sent > 0 for r in results), "both dispatchers took part"
    message_ids = Counter(str(m["Message-ID"]) for m in sink.messages)
    assert len(message_ids) == 500
    assert set(message_ids.values()) == {1}
    assert {f"<{i}@sportify.local>" for i in ids} == set(message_ids)


async def test_summary_of_a_user_who_opted_out_after_queueing_is_skipped(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    opted_out = await insert_user(engine)
    deleted = await insert_user(engine, deleted=True)
    still_in = await insert_user(engine)
    (skip_id,) = await insert_emails(engine, 1, user_id=opted_out)
    (gone_id,) = await insert_emails(engine, 1, user_id=deleted)
    (send_id,) = await insert_emails(engine, 1, user_id=still_in)
    await set_notifications(engine, opted_out, enabled=False)

    stats = await delivery.drain(25)

    assert (stats.processed, stats.sent, stats.skipped, stats.failed) == (3, 1, 2, 0)
    skipped_row = await email_row(engine, skip_id)
    assert (skipped_row["status"], skipped_row["error"]) == (
        "skipped",
        "email-notifications-disabled",
    )
    gone_row = await email_row(engine, gone_id)
    assert (gone_row["status"], gone_row["error"]) == ("skipped", "user-deleted")
    assert (await email_row(engine, send_id))["status"] == "sent"
    assert len(sink.messages) == 1


async def test_a_summary_whose_kind_its_user_opted_out_of_since_is_skipped(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    user = await insert_user(engine)
    (weekly,) = await insert_emails(engine, 1, user_id=user)
    (monthly,) = await insert_emails(engine, 1, user_id=user, kind=EmailKind.MONTHLY_SUMMARY)
    async with engine.begin() as conn:
        await opt_out(conn, user, kind=EmailKind.WEEKLY_SUMMARY, now=T0)

    stats = await delivery.drain(25)

    assert (stats.processed, stats.sent, stats.skipped) == (2, 1, 1)
    row = await email_row(engine, weekly)
    assert (row["status"], row["error"]) == ("skipped", KIND_OPTED_OUT)
    assert (await email_row(engine, monthly))["status"] == "sent"
    assert len(sink.messages) == 1


async def test_alerts_go_out_before_older_summaries(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink, clock: ManualClock
) -> None:
    summaries = await insert_emails(engine, 3, created_at=T0 - _seconds(3600))
    (alert,) = await insert_emails(engine, 1, kind=EmailKind.ALERT, created_at=T0)
    first = await delivery.drain(1)
    assert first.sent == 1
    assert (await email_row(engine, alert))["status"] == "sent"
    statuses = [(await email_row(engine, s))["status"] for s in summaries]
    assert statuses == ["pending"] * 3
    await delivery.drain(25)
    assert len(sink.messages) == 4


async def test_rows_not_yet_due_are_left_alone_and_limit_is_respected(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    await insert_emails(engine, 2, next_attempt_at=T0 + _seconds(60))
    await insert_emails(engine, 5)
    stats = await delivery.drain(3)
    assert (stats.processed, stats.sent) == (3, 3)
    stats = await delivery.drain(25)
    assert (stats.processed, stats.sent) == (2, 2)
    assert len(sink.messages) == 5


async def test_sent_message_has_unsubscribe_headers_and_both_bodies(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    (email_id,) = await insert_emails(engine, 1, recipient="ada@example.test")
    await delivery.drain(25)
    (message,) = sink.messages
    assert message["To"] == "ada@example.test"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<{email_id}@sportify.local>"
    assert message.get_content_type() == "multipart/alternative"


def _seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


async def test_a_drain_walk_goes_on_after_what_it_took_and_a_new_walk_starts_over(
    engine: AsyncEngine, delivery: Delivery, sink: SmtpSink
) -> None:
    (behind,) = await insert_emails(engine, 1, created_at=T0 - timedelta(seconds=2))
    ahead = await insert_emails(engine, 2, created_at=T0 - timedelta(seconds=1))
    walk = DueWalk()
    async with engine.connect() as other, other.begin():
        # another dispatcher holds the oldest row: the walk's first claim steps past it
        await other.execute(
            text("select 1 from email_queue where id = :id for update"), {"id": behind}
        )
        first = await delivery.deliver_batch(limit=1, walk=walk)
    assert first.processed == 1
    assert walk.after.created_at == T0 - timedelta(seconds=1)
    (alert,) = await insert_emails(
        engine, 1, kind=EmailKind.ALERT, created_at=T0 - timedelta(seconds=3)
    )

    second = await delivery.deliver_batch(limit=5, walk=walk)

    # the walk goes on: the other newer row, and the alert (every claim takes due alerts first),
    # but not the row it stepped past
    assert second.processed == 2
    assert (await email_row(engine, behind))["status"] == EmailStatus.PENDING
    assert {(await email_row(engine, i))["status"] for i in (*ahead, alert)} == {"sent"}
    fresh = await delivery.drain(25)
    assert fresh.processed == 1
    assert (await email_row(engine, behind))["status"] == EmailStatus.SENT
    assert len(sink.messages) == 4
