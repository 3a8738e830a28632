"""Shell for the `emails-dispatch` job (SPEC 4.4): start the run, drain, complete, announce."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sportify_common.broker import publish
from sportify_common.consumers import dead_letter
from sportify_common.job_results import DispatchResult
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import DispatchEmails, JobFinished, RoutingKey
from sportify_common.service_context import ServiceContext
from sportify_common.settings import MailerSettings
from sportify_mailer.delivery import Delivery

logger = logging.getLogger(__name__)

JOB = JobName.EMAILS_DISPATCH


@dataclass(frozen=True, slots=True)
class DispatchJob:
    context: ServiceContext[MailerSettings]
    delivery: Delivery

    async def run(self, command: DispatchEmails) -> None:
        context = self.context
        run_id = command.job_run_id
        async with context.engine.begin() as conn:
            existing = await jobs.get(conn, run_id)
            if existing is None:
                dead_letter(logger, f"unknown job run {run_id}")
            if existing.job_name is not JOB:
                dead_letter(logger, f"job run {run_id} is {existing.job_name}, not {JOB}")
            started = await jobs.start(conn, run_id, now=context.clock())
        if started is None:
            if existing.status is JobStatus.COMPLETED:
                # A redelivery after completion: answer again with the stored result.
                stored = _stored_result(existing.metadata)
                await self._announce(run_id, JobStatus.COMPLETED, stored)
            return

        began = time.perf_counter()
        stats = await self.delivery.drain(command.limit)
        result = stats.as_result()
        async with context.engine.begin() as conn:
            completed = await jobs.complete(
                conn, run_id, now=context.clock(), result=result.to_wire()
            )
        if completed is None:  # finished meanwhile (e.g. cleaned up as stuck): leave it
            logger.warning("dispatch run %s was no longer running when it finished", run_id)
            return
        metrics = context.metrics
        metrics.job_runs.labels(job=JOB.value, status=JobStatus.COMPLETED.value).inc()
        metrics.job_duration.labels(job=JOB.value).observe(time.perf_counter() - began)
        metrics.job_last_success.labels(job=JOB.value).set(context.clock().timestamp())
        logger.info("dispatch run %s: %s", run_id, result.to_wire())
        await self._announce(run_id, JobStatus.COMPLETED, result)

    async def _announce(self, run_id: Any, status: JobStatus, result: DispatchResult) -> None:
        await publish(
            self.context.broker,
            self.context.topology,
            RoutingKey.JOB_FINISHED,
            JobFinished(job_run_id=run_id, job_name=JOB, status=status, result=result),
        )


def _stored_result(metadata: dict[str, Any]) -> DispatchResult:
    stored = metadata.get("result")
    if isinstance(stored, dict):
        return DispatchResult.model_validate(stored)
    return DispatchResult(processed=0, sent=0, failed=0, skipped=0)  # none stored: none known
