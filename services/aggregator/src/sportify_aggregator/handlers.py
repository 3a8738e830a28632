"""The aggregator's subscriber: `period.closed` → one evaluation run. Thin: no SQL, no rules."""

from __future__ import annotations

import logging

from faststream.rabbit import RabbitBroker

from sportify_aggregator import evaluation
from sportify_aggregator.evaluation import Runtime
from sportify_common.consumers import redeliver_on_failure
from sportify_common.messages import PeriodClosed, RoutingKey

SERVICE = "aggregator"

logger = logging.getLogger("sportify.aggregator")


def register(broker: RabbitBroker, runtime: Runtime) -> None:
    topology = runtime.topology

    @broker.subscriber(topology.queue(SERVICE, RoutingKey.PERIOD_CLOSED), topology.exchange)
    async def on_period_closed(msg: PeriodClosed) -> None:
        async with redeliver_on_failure(logger, f"period.closed {msg.job_run_id}"):
            await evaluation.run_period(runtime, msg)
