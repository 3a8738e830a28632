"""What the monitor's routes and subscribers share, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import Clock
from sportify_common.metrics import Metrics
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from sportify_monitor.dead_letters import DeadLetterDepths
from sportify_monitor.gauges import ScrapeGauges
from sportify_monitor.shared_read import SharedRead
from sportify_monitor.waiters import Waiters

SERVICE = "monitor"


@dataclass(frozen=True)
class Monitor:
    settings: Settings
    engine: AsyncEngine
    broker: RabbitBroker
    topology: Topology
    metrics: Metrics
    clock: Clock
    gauges: ScrapeGauges
    instance_id: str
    # The monitoring document as JSON text, one load shared by concurrent requests.
    monitoring_documents: SharedRead[str]
    waiters: Waiters = field(default_factory=Waiters)
    dead_letters: DeadLetterDepths | None = None
