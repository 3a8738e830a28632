"""The aggregator's subscriber: `period.closed` → one evaluation run. Thin: no SQL, no rules."""

from __future__ import annotations

import logging

from faststream.rabbit import RabbitBroker

from sportify_aggregator import runs
from sportify_aggregator.errors import is_connectivity_error
from sportify_aggregator.evaluation import Runtime
from sportify_common.consumers import redeliver_on_failure
from sportify_common.db.engine import DatabaseRecovery
from sportify_common.messages import PeriodClosed, RoutingKey

SERVICE = "aggregator"

logger = logging.getLogger("sportify.aggregator")


def register(broker: RabbitBroker, runtime: Runtime) -> None:
    topology = runtime.topology
    recovery = DatabaseRecovery(runtime.engine)

    @broker.subscriber(topology.queue(SERVICE, RoutingKey.PERIOD_CLOSED), topology.exchange)
    async def on_period_closed(msg: PeriodClosed) -> None:
        async with redeliver_on_failure(logger, f"period.closed {msg.job_run_id}"):
            try:
                await runs.run_period(runtime, msg)
            except Exception as exc:
                # An outage: hold the message until the database is back, so that the quick
                # redeliveries do not use up MESSAGE_MAX_DELIVERIES and dead-letter the run.
                if is_connectivity_error(exc):
                    await recovery.wait()
                raise
