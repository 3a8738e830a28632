"""Simulated time for scheduler loops and a recorder of what reaches the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue

from sportify_common.settings import Settings
from sportify_common.topology import Topology


class SimulationOverError(Exception):
    """Raised into sleeping loops once simulated time reaches its end."""


@dataclass
class SharedTime:
    """A discrete-event clock: time jumps to the earliest wake-up once every loop sleeps.

    Loops that wake at the same instant run concurrently against the real database and
    broker, as replicas would. At `until`, sleepers get SimulationOverError, or (block=True)
    wait until they are cancelled.
    """

    now: datetime
    until: datetime
    participants: int = 1
    block: bool = False
    _waiting: list[tuple[datetime, asyncio.Future[None]]] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((self.now + timedelta(seconds=seconds), future))
        if len(self._waiting) >= self.participants:
            self._advance()
        await future

    def _advance(self) -> None:
        target = min(wake for wake, _ in self._waiting)
        if target >= self.until:
            waiting, self._waiting = self._waiting, []
            self.now = self.until
            for _, future in waiting:
                if not self.block:
                    future.set_exception(SimulationOverError())
            return
        self.now = target
        still = []
        for wake, future in self._waiting:
            if wake <= target:
                future.set_result(None)
            else:
                still.append((wake, future))
        self._waiting = still


@dataclass
class Received:
    routing_key: str
    body: dict[str, Any]


@asynccontextmanager
async def recorder(settings: Settings) -> AsyncIterator[list[Received]]:
    """Every message published to the namespace's exchange, in order."""
    topology = Topology(settings.amqp_namespace, settings.message_max_deliveries)
    broker = RabbitBroker(settings.amqp_url, logger=None)
    queue = RabbitQueue(
        f"{settings.amqp_namespace}.test-recorder.{uuid4().hex[:8]}",
        durable=False,
        exclusive=True,
        auto_delete=True,
        routing_key="#",
    )
    received: list[Received] = []

    @broker.subscriber(queue, topology.exchange)
    async def record(body: dict[str, Any], message: RabbitMessage) -> None:
        received.append(Received(message.raw_message.routing_key or "", body))

    async with broker:
        await broker.start()
        yield received


async def wait_for(received: list[Received], count: int, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while len(received) < count:  # noqa: ASYNC110 - polls a list the consumer fills
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # anything extra would have arrived by now
