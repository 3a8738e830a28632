"""FastStream subscribers: `job.finished` (wakes waiting triggers) and `jobs.cleanup`."""

from __future__ import annotations

import logging

from faststream.rabbit import RabbitBroker

from sportify_common.consumers import dead_letter, redeliver_on_failure
from sportify_common.jobs.names import JobStatus
from sportify_common.messages import CleanupJobs, JobFinished, RoutingKey
from sportify_monitor.cleanup import CleanupOutcome, cleanup_claimed
from sportify_monitor.context import SERVICE, Monitor

logger = logging.getLogger("sportify.monitor.handlers")


def register_subscribers(broker: RabbitBroker, monitor: Monitor) -> None:
    topology = monitor.topology

    # Every replica sees every job.finished: a private, auto-deleted queue per instance.
    @broker.subscriber(
        topology.listener_queue(SERVICE, RoutingKey.JOB_FINISHED, monitor.instance_id),
        topology.exchange,
    )
    async def on_job_finished(message: JobFinished) -> None:
        woken = monitor.waiters.resolve(message)
        if woken:
            logger.debug("job.finished %s woke %d waiter(s)", message.job_run_id, woken)

    @broker.subscriber(topology.queue(SERVICE, RoutingKey.JOBS_CLEANUP), topology.exchange)
    async def on_jobs_cleanup(message: CleanupJobs) -> None:
        async with redeliver_on_failure(logger, f"cleanup run {message.job_run_id}"):
            outcome = await cleanup_claimed(monitor, message.job_run_id)
        if outcome is None:
            dead_letter(logger, f"unknown cleanup run {message.job_run_id}")
        if isinstance(outcome, JobStatus):
            logger.info("cleanup run %s is already %s", message.job_run_id, outcome)
        elif isinstance(outcome, CleanupOutcome):
            logger.info(
                "cleanup run %s cleaned %d stuck run(s)", outcome.run_id, len(outcome.cleaned)
            )
