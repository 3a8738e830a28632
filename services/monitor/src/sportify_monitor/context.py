"""What the monitor's routes and subscribers share, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import Counter

from sportify_common.service_context import ServiceContext
from sportify_common.settings import MonitorSettings
from sportify_monitor.dead_letters import DeadLetterDepths
from sportify_monitor.gauges import ScrapeGauges
from sportify_monitor.shared_read import SharedRead
from sportify_monitor.waiters import Waiters

SERVICE = "monitor"


class BackfillWaker(Protocol):
    def wake(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Monitor(ServiceContext[MonitorSettings]):
    """The service context (settings, engine, broker, topology, metrics, clock) and the
    monitor's own resources."""

    gauges: ScrapeGauges
    instance_id: str
    # The monitoring document as JSON text, one load shared by concurrent requests.
    monitoring_documents: SharedRead[str]
    waiters: Waiters = field(default_factory=Waiters)
    dead_letters: DeadLetterDepths | None = None
    emails_requeued: Counter | None = None
    """`sportify_emails_requeued_total`: the monitor alone requeues, so it alone counts."""
    backfills: BackfillWaker | None = None
    """Wakes the backfill runner when a backfill starts (`backfill_runner.BackfillRunner`)."""
