"""`BatchConsumer`'s batching loop without a broker: sizes, the wait, and what stop() drains."""

from __future__ import annotations

import asyncio
from typing import cast

from aio_pika.abc import AbstractIncomingMessage

from sportify_common.amqp_direct.consume import BatchConsumer


class Recorder(BatchConsumer):
    def __init__(self, *, max_batch: int, max_wait: float) -> None:
        super().__init__(name="test", max_batch=max_batch, max_wait=max_wait)
        self.batches: list[list[int]] = []

    async def handle_batch(self, batch: list[AbstractIncomingMessage]) -> None:
        self.batches.append([cast(int, message) for message in batch])

    async def deliver(self, *numbers: int) -> None:
        for number in numbers:
            await self._received(cast(AbstractIncomingMessage, number))

    def stopped(self) -> None:
        self._inbox.put_nowait(None)  # what stop() puts after cancelling the consumer


async def test_waiting_deliveries_are_taken_in_order_at_most_max_batch_at_a_time() -> None:
    consumer = Recorder(max_batch=3, max_wait=600.0)
    await consumer.deliver(*range(7))
    consumer.stopped()

    await consumer._run()

    assert consumer.batches == [[0, 1, 2], [3, 4, 5], [6]]


async def test_a_batch_closes_when_max_wait_passes_without_a_delivery() -> None:
    consumer = Recorder(max_batch=100, max_wait=0.02)
    running = asyncio.create_task(consumer._run())
    await consumer.deliver(1, 2)
    await asyncio.sleep(0.2)
    await consumer.deliver(3)
    consumer.stopped()

    await asyncio.wait_for(running, 5)

    assert consumer.batches == [[1, 2], [3]]


async def test_deliveries_that_arrive_after_the_stop_join_the_last_batch() -> None:
    consumer = Recorder(max_batch=100, max_wait=600.0)
    await consumer.deliver(1)
    consumer.stopped()
    await consumer.deliver(2, 3)

    await consumer._run()

    assert consumer.batches == [[1, 2, 3]]


async def test_a_stop_with_nothing_delivered_handles_no_batch() -> None:
    consumer = Recorder(max_batch=100, max_wait=600.0)
    consumer.stopped()

    await consumer._run()

    assert consumer.batches == []
