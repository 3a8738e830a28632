"""The intake hands stored ids on per sender's span (`traceparent`), so that each SMTP send
is traced under the run that requested it, even when one batch mixes several runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from uuid import UUID

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from opentelemetry.context import Context
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import declare_topology
from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from sportify_mailer.intake import RequestedEmailConsumer
from tests.support.mail_factories import email_requested, email_rows

pytestmark = pytest.mark.integration

RUN_A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
RUN_B = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_one_batch_from_three_senders_is_handed_on_in_three_groups(
    settings: Settings, engine: AsyncEngine
) -> None:
    headers: list[str | None] = [RUN_A, RUN_A, RUN_A, RUN_B, RUN_B, None]
    emails = [email_requested() for _ in headers]
    handed: list[list[UUID]] = []

    def on_stored(ids: Sequence[UUID], origin: Context) -> None:
        assert isinstance(origin, Context)
        handed.append(list(ids))

    # One batch: nothing is written before stop(), which then stores all that was delivered.
    consumer = RequestedEmailConsumer(engine, on_stored=on_stored, max_batch=100, max_wait=600.0)
    broker = RabbitBroker(settings.amqp_url, logger=None)
    await broker.connect()
    topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
    await declare_topology(broker, topology)
    try:
        queue = topology.queue("mailer", RoutingKey.EMAIL_REQUESTED)
        await consumer.start(broker, queue, prefetch=100)
        channel = await broker.config.channel_manager.get_channel()
        exchange = await channel.get_exchange(topology.exchange.name, ensure=False)
        for email, traceparent in zip(emails, headers, strict=True):
            await exchange.publish(
                aio_pika.Message(
                    email.model_dump_json(by_alias=True).encode(),
                    headers={"traceparent": traceparent} if traceparent else None,
                ),
                routing_key=RoutingKey.EMAIL_REQUESTED.value,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            state = await channel.declare_queue(queue.name, passive=True)
            if not state.declaration_result.message_count:
                break
            await asyncio.sleep(0.05)
        await consumer.stop()
    finally:
        await broker.stop()

    rows = await email_rows(engine)
    assert len(rows) == 6
    assert sorted(len(group) for group in handed) == [1, 2, 3]
    by_key = {row["idempotency_key"]: row["id"] for row in rows}
    expected = {
        tuple(
            sorted(
                by_key[e.idempotency_key] for e, h in zip(emails, headers, strict=True) if h == run
            )
        )
        for run in (RUN_A, RUN_B, None)
    }
    assert {tuple(sorted(group)) for group in handed} == expected
