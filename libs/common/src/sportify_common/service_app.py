"""The ASGI shell of a FastStream service: the broker's lifespan plus /metrics and /healthz."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from faststream.asgi import AsgiFastStream, make_ping_asgi
from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry, make_asgi_app

Hook = Callable[[], Awaitable[None]]

log = logging.getLogger(__name__)

# How long a shutdown waits for a start-up still in progress (broker start, topology declarations).
STARTUP_GRACE_SECONDS = 30.0


class StartupGate:
    """Holds a shutdown back until start-up has finished.

    AsgiFastStream reports the ASGI start-up complete before it starts the broker and runs the
    after-startup hooks. A shutdown arriving in between would close the channel under a queue
    declaration (ChannelClosed) or stop a loop that has not started yet.
    """

    def __init__(self, grace_seconds: float = STARTUP_GRACE_SECONDS) -> None:
        self._started = asyncio.Event()
        self._grace_seconds = grace_seconds

    async def mark_started(self) -> None:
        self._started.set()

    async def wait_for_startup(self) -> None:
        try:
            async with asyncio.timeout(self._grace_seconds):
                await self._started.wait()
        except TimeoutError:
            log.warning(
                "shutting down although start-up has not finished after %.0f s", self._grace_seconds
            )


def faststream_asgi(
    broker: RabbitBroker,
    registry: CollectorRegistry,
    *,
    on_startup: Sequence[Hook] = (),
    after_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    after_shutdown: Sequence[Hook] = (),
    startup_grace_seconds: float = STARTUP_GRACE_SECONDS,
) -> AsgiFastStream:
    gate = StartupGate(startup_grace_seconds)
    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/metrics", make_asgi_app(registry=registry)),
            ("/healthz", make_ping_asgi(broker, timeout=5.0)),
        ],
        on_startup=list(on_startup),
        after_startup=[*after_startup, gate.mark_started],
        on_shutdown=[gate.wait_for_startup, *on_shutdown],
        after_shutdown=list(after_shutdown),
    )
