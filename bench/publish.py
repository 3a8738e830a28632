"""CPU per published email.requested: `uv run --frozen python bench/publish.py [--messages N]`.

Publishes N summary-sized `email.requested` messages (persistent, mandatory, confirmed) into a
throwaway namespace on AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/) twice: message by
message through aiormq's `basic_publish` (confirms awaited per 500, the aggregator's path before
`amqp_direct.publish`), then through `publish_many` (a batch per socket write). Prints wall time and the
CPU seconds of this process and of RabbitMQ per message. The queue is purged between the two.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from uuid import uuid4

import aiormq
from aio_pika.abc import AbstractChannel
from pamqp.commands import Basic
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import report, server_cpu_seconds
from sportify_common.broker import (
    PUBLISH_BATCH,
    create_broker,
    declare_topology,
    delete_namespace,
    publish_many,
)
from sportify_common.messages import EmailKind, EmailRequested, RoutingKey
from sportify_common.topology import Topology

KEY = RoutingKey.EMAIL_REQUESTED


def summary_sized(count: int) -> list[EmailRequested]:
    """Sizes of a real weekly summary: ~600 characters of text, ~860 of HTML, a signed link."""
    return [
        EmailRequested(
            idempotency_key=f"{EmailKind.WEEKLY_SUMMARY}:{uuid4()}:2026-11-23",
            kind=EmailKind.WEEKLY_SUMMARY,
            recipient=f"user{n}@example.org",
            user_id=uuid4(),
            locale="de",
            subject="Deine Sportify-Woche vom 23.11.2026 bis 29.11.2026, Anna",
            body_text="Hallo Anna,\n" + "- Punkte: 123,5\n" * 37,
            body_html="<p>Hallo Anna,</p>" + "<li>Punkte: 123,5</li>" * 38,
            headers={
                "List-Unsubscribe": f"<https://sportify.example/api/unsubscribe?token={'t' * 90}>"
            },
        )
        for n in range(count)
    ]


async def per_message(
    broker_channel: AbstractChannel, topology: Topology, messages: Sequence[EmailRequested]
) -> None:
    underlay = await broker_channel.get_underlay_channel()
    if not isinstance(underlay, aiormq.Channel):
        raise TypeError(f"expected an aiormq.Channel, got {type(underlay).__name__}")
    for first in range(0, len(messages), PUBLISH_BATCH):
        await asyncio.gather(
            *(
                underlay.basic_publish(
                    m.model_dump_json(by_alias=True).encode(),
                    exchange=topology.exchange.name,
                    routing_key=KEY.value,
                    properties=Basic.Properties(
                        content_type="application/json", delivery_mode=2, message_id=uuid4().hex
                    ),
                    mandatory=True,
                    wait=False,
                )
                for m in messages[first : first + PUBLISH_BATCH]
            )
        )


async def measure(
    name: str, publish: Callable[[], Awaitable[None]], count: int
) -> list[tuple[str, str, str]]:
    rabbit_before = server_cpu_seconds()["rabbitmq"]
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    await publish()
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    rabbit = server_cpu_seconds()["rabbitmq"] - rabbit_before
    return [
        (f"{name}: wall", f"{wall:.2f} s", f"{count / wall:,.0f} msg/s"),
        (f"{name}: publisher CPU", f"{cpu / count * 1e6:.0f} µs/msg", f"{cpu:.2f} s"),
        (f"{name}: RabbitMQ CPU", f"{rabbit / count * 1e6:.0f} µs/msg", f"{rabbit:.2f} s"),
    ]


async def run(count: int) -> None:
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    topology = Topology(f"bench-publish-{uuid4().hex[:8]}")
    broker = create_broker(amqp_url, service="bench", registry=CollectorRegistry())
    await broker.start()
    rows: list[tuple[str, str, str]] = []
    messages = summary_sized(count)
    try:
        await declare_topology(broker, topology)
        channel = await broker.config.channel_manager.get_channel()
        queue = await channel.declare_queue(topology.queue_name("mailer", KEY), passive=True)
        rows += await measure(
            "per message", lambda: per_message(channel, topology, messages), count
        )
        await queue.purge()
        rows += await measure(
            "publish_many", lambda: publish_many(broker, topology, KEY, messages), count
        )
    finally:
        await broker.stop()
        await delete_namespace(amqp_url, topology.namespace)
    size = len(messages[0].model_dump_json(by_alias=True))
    report(f"publishing {count} email.requested of {size} bytes each", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    asyncio.run(run(parser.parse_args().messages))


if __name__ == "__main__":
    main()
