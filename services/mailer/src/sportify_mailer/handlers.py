"""The mailer's subscribers: thin, every failure handled by the shared consumer policy."""

from __future__ import annotations

import logging

from faststream.rabbit import Channel, RabbitBroker

from sportify_common.consumers import redeliver_on_failure
from sportify_common.messages import DispatchEmails, EmailRequested, RoutingKey
from sportify_common.topology import Topology
from sportify_mailer.dispatch import DispatchJob
from sportify_mailer.store import BatchWriter

logger = logging.getLogger(__name__)

SERVICE = "mailer"
EMAIL_REQUESTED_PREFETCH = 1000
DISPATCH_PREFETCH = 4


def register(
    broker: RabbitBroker, topology: Topology, *, writer: BatchWriter, dispatch: DispatchJob
) -> None:
    @broker.subscriber(
        topology.queue(SERVICE, RoutingKey.EMAIL_REQUESTED),
        topology.exchange,
        channel=Channel(prefetch_count=EMAIL_REQUESTED_PREFETCH),
    )
    async def on_email_requested(body: EmailRequested) -> None:
        # Returns after the micro-batch holding this message committed: the ack follows it.
        async with redeliver_on_failure(logger, f"storing email {body.idempotency_key}"):
            await writer.store(body)

    @broker.subscriber(
        topology.queue(SERVICE, RoutingKey.EMAILS_DISPATCH),
        topology.exchange,
        channel=Channel(prefetch_count=DISPATCH_PREFETCH),
    )
    async def on_emails_dispatch(body: DispatchEmails) -> None:
        async with redeliver_on_failure(logger, f"dispatch run {body.job_run_id}"):
            await dispatch.run(body)
