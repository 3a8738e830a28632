"""The mailer's subscribers: thin, every failure handled by the shared consumer policy.

`email.requested` is consumed by `intake.RequestedEmailConsumer` (raw aio-pika, batched acks;
see its module docstring for why); `emails.dispatch` and `jobs.retention` are FastStream
subscribers.
"""

from __future__ import annotations

import logging

from faststream.rabbit import Channel, RabbitBroker

from sportify_common.consumers import redeliver_on_failure
from sportify_common.messages import ApplyRetention, DispatchEmails, RoutingKey
from sportify_common.topology import Topology
from sportify_mailer.dispatch import DispatchJob
from sportify_mailer.intake import RequestedEmailConsumer
from sportify_mailer.retention import RetentionJob

logger = logging.getLogger(__name__)

SERVICE = "mailer"
EMAIL_REQUESTED_PREFETCH = 1000
DISPATCH_PREFETCH = 4
RETENTION_PREFETCH = 1  # one retention run at a time per replica


def register(
    broker: RabbitBroker, topology: Topology, *, dispatch: DispatchJob, retention: RetentionJob
) -> None:
    @broker.subscriber(
        topology.queue(SERVICE, RoutingKey.EMAILS_DISPATCH),
        topology.exchange,
        channel=Channel(prefetch_count=DISPATCH_PREFETCH),
    )
    async def on_emails_dispatch(body: DispatchEmails) -> None:
        async with redeliver_on_failure(logger, f"dispatch run {body.job_run_id}"):
            await dispatch.run(body)

    @broker.subscriber(
        topology.queue(SERVICE, RoutingKey.JOBS_RETENTION),
        topology.exchange,
        channel=Channel(prefetch_count=RETENTION_PREFETCH),
    )
    async def on_jobs_retention(body: ApplyRetention) -> None:
        async with redeliver_on_failure(logger, f"retention run {body.job_run_id}"):
            await retention.run(body)


async def start_email_requested(
    broker: RabbitBroker, topology: Topology, consumer: RequestedEmailConsumer
) -> None:
    """Start storing `email.requested` (after the topology is declared)."""
    await consumer.start(
        broker,
        topology.queue(SERVICE, RoutingKey.EMAIL_REQUESTED),
        prefetch=EMAIL_REQUESTED_PREFETCH,
    )
