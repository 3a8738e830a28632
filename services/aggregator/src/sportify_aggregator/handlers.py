"""The aggregator's subscribers: `period.closed` → one evaluation run; `preview.requested` → one
user's preview, answered to the caller (request/reply). Thin: no SQL, no rules."""

from __future__ import annotations

import logging
from typing import Any

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator import preview, runs
from sportify_aggregator.errors import is_connectivity_error
from sportify_aggregator.evaluation import Runtime
from sportify_common.consumers import redeliver_on_failure
from sportify_common.db.engine import DatabaseRecovery
from sportify_common.messages import PeriodClosed, PreviewRequested, RoutingKey

SERVICE = "aggregator"

# How long a preview request waits in its queue: as long as the monitor waits for the answer.
PREVIEW_REQUEST_TTL_SECONDS = 30.0

logger = logging.getLogger("sportify.aggregator")


def register(broker: RabbitBroker, runtime: Runtime, preview_engine: AsyncEngine) -> None:
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

    preview_queue = topology.request_queue(
        SERVICE, RoutingKey.PREVIEW_REQUESTED, ttl_seconds=PREVIEW_REQUEST_TTL_SECONDS
    )

    @broker.subscriber(preview_queue, topology.exchange)
    async def on_preview_requested(msg: PreviewRequested) -> dict[str, Any]:
        answer = await preview.preview(runtime, preview_engine, msg)
        return answer.to_wire()
