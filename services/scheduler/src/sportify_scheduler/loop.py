"""The scheduler's clock loop (shell): sleep until a slot, claim its run, publish the command.

Time comes from an injected clock and passes through an injected sleep, so tests move time
instead of waiting. The loop sleeps in bounded steps and re-reads the clock each time, so a
clock jump is noticed within one step. A failure (database or broker down) is logged and
the same slot is tried again after `retry_seconds`; the loop itself never dies of it.

Pauses (SPEC 12.1): before a slot is claimed, the job's pause history (`sportify_common.schedules`)
is asked whether the job was paused at the slot's instant; a paused slot is logged and passed
over, and catch-up asks the same of each missed period's closing slot, so a slot passed while
paused is never run later, by any replica.

Claim first, commit, then publish: a consumer can never see a message before its run row.
If the publish fails, the row stays `pending`; this replica remembers it and publishes it
on the retry (after a crash, the stale-pending rule lets the next claimer re-run it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from uuid import UUID

from opentelemetry.context import Context
from opentelemetry.trace import Span

from sportify_common import schedules
from sportify_common.broker import publish
from sportify_common.cron import next_fire
from sportify_common.jobs import queries as job_queries
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.messages import (
    ApplyRetention,
    CleanupJobs,
    DispatchEmails,
    PeriodClosed,
    RoutingKey,
    WireModel,
)
from sportify_common.periods import to_wire
from sportify_common.scheduled_jobs import ScheduledJob
from sportify_common.service_context import ServiceContext
from sportify_common.settings import SchedulerSettings
from sportify_common.tracing import tracer
from sportify_scheduler.catch_up import (
    candidate_periods,
    closing_slot,
    missed_periods,
    owed_periods,
)
from sportify_scheduler.plan import PERIOD_KINDS, Slot, period_slot, slot_for

logger = logging.getLogger("sportify.scheduler")

Sleep = Callable[[float], Awaitable[None]]

DISPATCH_LIMIT = 25


@dataclass
class SchedulerLoop:
    context: ServiceContext[SchedulerSettings]
    jobs: Sequence[ScheduledJob]
    sleep: Sleep
    catch_up_periods: int = 2
    max_step_seconds: float = 30.0
    retry_seconds: float = 5.0
    _next: dict[JobName, datetime] = field(default_factory=dict, init=False)
    _unpublished: dict[tuple[JobName, datetime], UUID] = field(default_factory=dict, init=False)
    _last_now: datetime | None = field(default=None, init=False)

    @property
    def zone(self) -> tzinfo:
        return self.context.settings.zone

    async def run(self) -> None:
        """Catch up, then fire slots forever (until cancelled)."""
        catch_up_due = self.catch_up_periods > 0
        while True:
            now = self.context.clock()
            failed = False
            if catch_up_due:
                try:
                    await self.catch_up(now)
                    catch_up_due = False
                except Exception:
                    logger.exception("catch-up failed; retrying in %.0f s", self.retry_seconds)
                    failed = True
            if not catch_up_due:
                failed = not await self.tick(now) or failed
            await self.sleep(self._delay(failed))

    async def tick(self, now: datetime) -> bool:
        """Fire every due slot once; False when any of them must be retried."""
        self._notice_clock_jump(now)
        ok = True
        for job in self.jobs:
            fire_at = self._next.setdefault(job.name, next_fire(job.cron, now, self.zone))
            if fire_at > now:
                continue
            slot = slot_for(job.name, fire_at, self.zone)
            try:
                if await self._paused_at(job.name, fire_at):
                    logger.info(
                        "%s: slot %s passed while the job is paused; not run (nor caught up)",
                        _describe(slot),
                        to_wire(fire_at),
                    )
                else:
                    await self.fire(slot, Trigger.CRON, now)
            except Exception:
                logger.exception(
                    "%s slot %s failed; retrying in %.0f s",
                    job.name,
                    to_wire(fire_at),
                    self.retry_seconds,
                )
                ok = False
                continue
            following = next_fire(job.cron, now, self.zone)
            skipped = next_fire(job.cron, fire_at, self.zone) < following
            self._next[job.name] = following
            if skipped:
                logger.warning(
                    "%s: slots between %s and %s were skipped (the loop was late or the clock jumped)",
                    job.name,
                    to_wire(fire_at),
                    to_wire(now),
                )
                if job.name in PERIOD_KINDS and self.catch_up_periods > 0:
                    try:
                        await self.catch_up(now)
                    except Exception:
                        logger.exception("catch-up after skipped slots failed")
                        ok = False
        return ok

    async def catch_up(self, now: datetime) -> list[Slot]:
        """Claim every recent closed week and month without a completed run (trigger catch-up)."""
        candidates = candidate_periods(now, self.zone, self.catch_up_periods)
        async with self.context.engine.connect() as conn:
            completed = await job_queries.completed_runs(
                conn,
                job_names=list(PERIOD_KINDS),
                scheduled_for=sorted({c.period.end for c in candidates}),
            )
            crons = {job.name: job.cron for job in self.jobs}
            since = min(
                (closing_slot(crons[c.job], c.period, self.zone) for c in candidates),
                default=now,
            )
            pauses = await schedules.pause_histories(
                conn, job_names=list(PERIOD_KINDS), since=since
            )
        missed = missed_periods(now, self.zone, completed, self.catch_up_periods)
        owed, paused = owed_periods(missed, crons=crons, pauses=pauses, zone=self.zone)
        logger.info(
            "catch-up over the last %d periods: %d of %d without a completed run, "
            "%d of them passed while paused (not run)",
            self.catch_up_periods,
            len(missed),
            len(candidates),
            len(paused),
        )
        for m in paused:
            logger.info("catch-up: %s %s closed while paused; not run", m.job, m.period.label)
        slots = [period_slot(m.job, m.period, now) for m in owed]
        for slot in slots:
            await self.fire(slot, Trigger.CATCH_UP, now)
        return slots

    async def fire(self, slot: Slot, trigger: Trigger, now: datetime) -> bool:
        """Claim the slot's run; publish its command when this replica won it. True if published.

        Each fired slot is the root span of its run's trace (SPEC 14)."""
        with tracer.start_as_current_span(
            f"scheduled {slot.job}",
            context=Context(),
            attributes={
                "sportify.job": slot.job.value,
                "sportify.trigger": trigger.value,
                "sportify.slot": to_wire(slot.fire_at),
            },
        ) as span:
            return await self._claim_and_publish(slot, trigger, now, span)

    async def _claim_and_publish(
        self, slot: Slot, trigger: Trigger, now: datetime, span: Span
    ) -> bool:
        with tracer.start_as_current_span(f"claim {slot.job}"):
            async with self.context.engine.begin() as conn:
                claim = await job_queries.claim(
                    conn,
                    job_name=slot.job,
                    scheduled_for=slot.scheduled_for,
                    trigger=trigger,
                    force=False,
                    now=now,
                    extra={"slot": to_wire(slot.fire_at)},
                )
        span.set_attributes(
            {"sportify.job_run_id": str(claim.run.id), "sportify.claim": claim.outcome.value}
        )
        key = (slot.job, slot.scheduled_for)
        what = _describe(slot)
        retry_own = (
            self._unpublished.get(key) == claim.run.id and claim.run.status is JobStatus.PENDING
        )
        if not claim.should_publish and not retry_own:
            logger.info(
                "%s (%s): skipped, run %s is %s (%s)",
                what,
                trigger,
                claim.run.id,
                claim.run.status,
                claim.outcome,
            )
            return False
        self._unpublished[key] = claim.run.id
        routing_key, message = _command(slot, claim.run.id)
        await publish(self.context.broker, self.context.topology, routing_key, message)
        del self._unpublished[key]
        logger.info(
            "%s (%s): claimed run %s (%s), published %s",
            what,
            trigger,
            claim.run.id,
            "retry of publish" if retry_own else claim.outcome,
            routing_key,
        )
        return True

    async def _paused_at(self, job: JobName, instant: datetime) -> bool:
        async with self.context.engine.connect() as conn:
            histories = await schedules.pause_histories(conn, job_names=[job], since=instant)
        return histories[job].paused_at(instant)

    def _notice_clock_jump(self, now: datetime) -> None:
        last, self._last_now = self._last_now, now
        if last is not None and now < last - timedelta(seconds=self.max_step_seconds):
            logger.warning(
                "the clock went back from %s to %s; recomputing the schedule",
                to_wire(last),
                to_wire(now),
            )
            self._next.clear()

    def _delay(self, failed: bool) -> float:
        if failed:
            return self.retry_seconds
        now = self.context.clock()
        if not self._next:
            return 0.0
        until = (min(self._next.values()) - now).total_seconds()
        return max(0.0, min(until, self.max_step_seconds))

    def next_fires(self) -> dict[JobName, datetime]:
        return dict(self._next)


def _command(slot: Slot, run_id: UUID) -> tuple[RoutingKey, WireModel]:
    if slot.period is not None:
        return RoutingKey.PERIOD_CLOSED, PeriodClosed(
            job_run_id=run_id,
            job_name=slot.job,
            period_start=slot.period.start,
            period_end=slot.period.end,
            force=False,
        )
    if slot.job is JobName.EMAILS_DISPATCH:
        return RoutingKey.EMAILS_DISPATCH, DispatchEmails(job_run_id=run_id, limit=DISPATCH_LIMIT)
    if slot.job is JobName.RETENTION:
        return RoutingKey.JOBS_RETENTION, ApplyRetention(job_run_id=run_id)
    return RoutingKey.JOBS_CLEANUP, CleanupJobs(job_run_id=run_id)


def _describe(slot: Slot) -> str:
    if slot.period is not None:
        return f"{slot.job} for {slot.period.kind} {slot.period.label}"
    return f"{slot.job} slot {to_wire(slot.scheduled_for)}"
