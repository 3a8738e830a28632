"""The ASGI shell of a FastStream service: the broker's lifespan plus /metrics and /healthz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from faststream.asgi import AsgiFastStream, make_ping_asgi
from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry, make_asgi_app

Hook = Callable[[], Awaitable[None]]


def faststream_asgi(
    broker: RabbitBroker,
    registry: CollectorRegistry,
    *,
    on_startup: Sequence[Hook] = (),
    after_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    after_shutdown: Sequence[Hook] = (),
) -> AsgiFastStream:
    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/metrics", make_asgi_app(registry=registry)),
            ("/healthz", make_ping_asgi(broker, timeout=5.0)),
        ],
        on_startup=list(on_startup),
        after_startup=list(after_startup),
        on_shutdown=list(on_shutdown),
        after_shutdown=list(after_shutdown),
    )
