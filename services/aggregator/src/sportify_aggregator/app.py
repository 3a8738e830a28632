"""The aggregator's composition root: engine, broker, metrics, the subscriber, the ASGI shell."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream
from prometheus_client import CollectorRegistry

from sportify_aggregator.evaluation import Runtime
from sportify_aggregator.handlers import SERVICE, register
from sportify_aggregator.preview import preview_engine
from sportify_common.broker import declare_topology
from sportify_common.clock import Clock, utc_now
from sportify_common.service_app import faststream_asgi
from sportify_common.service_context import build_context
from sportify_common.settings import AggregatorSettings, load_settings_for

# Evaluations are heavy: a replica works on at most this many periods at once.
PREFETCH = 2


def create_app(
    settings: AggregatorSettings | None = None,
    *,
    clock: Clock = utc_now,
    registry: CollectorRegistry | None = None,
) -> AsgiFastStream:
    settings = settings if settings is not None else load_settings_for(AggregatorSettings)
    registry = registry if registry is not None else CollectorRegistry()
    runtime: Runtime = build_context(
        settings,
        service=SERVICE,
        registry=registry,
        clock=clock,
        pool_size=10,
        max_overflow=5,
        prefetch_count=PREFETCH,
        graceful_timeout=settings.job_timeout_seconds,
    )
    broker, topology, engine = runtime.broker, runtime.topology, runtime.engine
    previews = preview_engine(settings)
    register(broker, runtime, previews)

    async def declare_dlqs() -> None:
        await declare_topology(broker, topology)

    async def dispose_engine() -> None:
        await engine.dispose()
        await previews.dispose()

    return faststream_asgi(
        broker, registry, after_startup=[declare_dlqs], after_shutdown=[dispose_engine]
    )
