"""`sportify_dead_letter_messages{queue}`: how many messages wait in each dead-letter queue.

Read at scrape time, at most every `interval` seconds, by passively declaring each DLQ of
`topology.CONSUMERS` on a channel of its own (a failed passive declare closes its channel;
the broker's other channels are not touched) and reading the declare-ok's message count.
A broker outage keeps the last values.
"""

from __future__ import annotations

import asyncio
import logging

from faststream.rabbit import Channel, RabbitBroker
from prometheus_client import CollectorRegistry, Gauge

from sportify_common.topology import CONSUMERS, Topology
from sportify_monitor.throttle import ThrottledRefresh

logger = logging.getLogger("sportify.monitor.dead_letters")

READ_TIMEOUT_SECONDS = 2.0


def dead_letter_gauge(registry: CollectorRegistry) -> Gauge:
    return Gauge(
        "sportify_dead_letter_messages",
        "Messages waiting in each dead-letter queue",
        ["queue"],
        registry=registry,
    )


class DeadLetterDepths(ThrottledRefresh):
    def __init__(
        self, *, gauge: Gauge, broker: RabbitBroker, topology: Topology, interval: float = 10.0
    ) -> None:
        super().__init__(interval=interval, logger=logger, what="the dead-letter queue depths")
        self._gauge = gauge
        self._broker = broker
        self._topology = topology
        self._channel = Channel()  # a channel of its own, opened on first use

    @property
    def queue_names(self) -> list[str]:
        return [self._topology.dead_letter_queue(s, k).name for s, k in CONSUMERS]

    async def _update(self) -> None:
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            depths = await self._read()
        for name, depth in depths.items():
            self._gauge.labels(queue=name).set(depth)

    async def _read(self) -> dict[str, int]:
        channel = await self._broker.config.channel_manager.get_channel(self._channel)
        depths: dict[str, int] = {}
        for name in self.queue_names:
            queue = await channel.declare_queue(name, passive=True, robust=False)
            count = queue.declaration_result.message_count
            depths[name] = int(count) if count is not None else 0
        return depths
