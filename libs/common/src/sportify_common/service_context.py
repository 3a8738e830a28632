"""What a service's code needs from its composition root, built once in its `app.py`.

The same bundle in every service: its settings, the database engine, the broker with the
exchange and queue names, the metrics, and the clock. Passed whole (to `raise_alert`, to a
run, to a loop) instead of field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry
from pydantic_settings import BaseSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import create_broker
from sportify_common.clock import Clock
from sportify_common.db.engine import create_engine
from sportify_common.metrics import Metrics
from sportify_common.settings import ServiceSettings
from sportify_common.topology import Topology

# Covariant: a context with a service's settings is also a context with any concern they
# include (`raise_alert` asks for ServiceContext[AlertSettings]).
SettingsT = TypeVar("SettingsT", bound=BaseSettings, covariant=True)
ServiceSettingsT = TypeVar("ServiceSettingsT", bound=ServiceSettings)


@dataclass(frozen=True, slots=True)
class ServiceContext(Generic[SettingsT]):
    settings: SettingsT
    engine: AsyncEngine
    broker: RabbitBroker
    topology: Topology
    metrics: Metrics
    clock: Clock


def build_context(
    settings: ServiceSettingsT,
    *,
    service: str,
    registry: CollectorRegistry,
    clock: Clock,
    pool_size: int,
    max_overflow: int,
    prefetch_count: int,
    graceful_timeout: float = 30.0,
) -> ServiceContext[ServiceSettingsT]:
    """The engine, broker, topology and metrics of `service`. Nothing connects yet."""
    return ServiceContext(
        settings=settings,
        engine=create_engine(settings, pool_size=pool_size, max_overflow=max_overflow),
        broker=create_broker(
            settings.amqp_url,
            service=service,
            registry=registry,
            prefetch_count=prefetch_count,
            graceful_timeout=graceful_timeout,
        ),
        topology=Topology(settings.amqp_namespace, settings.message_max_deliveries),
        metrics=Metrics.create(registry),
        clock=clock,
    )
