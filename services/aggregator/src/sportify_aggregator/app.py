"""The aggregator's composition root: engine, broker, metrics, the subscriber, the ASGI shell."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream
from prometheus_client import CollectorRegistry

from sportify_aggregator.evaluation import Runtime
from sportify_aggregator.handlers import SERVICE, register
from sportify_common.broker import create_broker, declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.db.engine import create_engine
from sportify_common.metrics import Metrics
from sportify_common.service_app import faststream_asgi
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology

# Evaluations are heavy: a replica works on at most this many periods at once.
PREFETCH = 2


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    registry: CollectorRegistry | None = None,
) -> AsgiFastStream:
    settings = settings if settings is not None else load_settings()
    registry = registry if registry is not None else CollectorRegistry()
    metrics = Metrics.create(registry)
    topology = Topology(settings.amqp_namespace, max_deliveries=settings.message_max_deliveries)
    engine = create_engine(settings, pool_size=10, max_overflow=5)
    broker = create_broker(
        settings.amqp_url,
        service=SERVICE,
        registry=registry,
        prefetch_count=PREFETCH,
        graceful_timeout=settings.job_timeout_seconds,
    )
    runtime = Runtime(settings, engine, broker, topology, metrics, clock)
    register(broker, runtime)

    async def declare_dlqs() -> None:
        await declare_topology(broker, topology)

    async def dispose_engine() -> None:
        await engine.dispose()

    return faststream_asgi(
        broker, registry, after_startup=[declare_dlqs], after_shutdown=[dispose_engine]
    )
