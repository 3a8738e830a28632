"""The background worker of backfills (SPEC 12.2): each running backfill's periods, one at a
time, oldest first, through the ordinary claims.

Per period (the runner holding the backfill's advisory lock, `sportify_common.backfills`):
1. a `skip` of the plan is recorded as `skipped` with its reason;
2. otherwise the run is claimed (`trigger` `backfill`, metadata `backfillId`, `actor`,
   `reason`, `sendEmails`; `reprocess: all` forces) and its id written into the period IN THE
   SAME TRANSACTION. A claim that decides to skip (a scheduled run completed or holds the
   period meanwhile) records `skipped` with the claim's reason: the backfill never waits for
   nor overlaps another run of the period;
3. period.closed is published and `published` recorded; the runner waits for the run's
   job.finished (the monitor's waiters), checking `job_runs` every `poll_seconds` as well;
4. the run's status becomes the period's `outcome`.
A cancel is seen between periods. The last period done, the backfill ends `completed`, or
`failed` when one of its runs failed.

Restart: on start and every `poll_seconds` a monitor looks for running backfills and takes the
lock of one it can (`pg_try_advisory_lock`); the lock is held by its session, so a killed
monitor's lock is gone with its connection. A period with a `runId` is never claimed again: it
is waited for (and its period.closed published again only if `published` is not recorded and
the run is still pending). So a restarted monitor, or another replica, picks a backfill up
where it stopped, and no period is run twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common import backfills
from sportify_common.backfill_plan import Action, Outcome
from sportify_common.backfills import BackfillRow
from sportify_common.broker import publish
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.messages import PeriodClosed, RoutingKey
from sportify_common.periods import Period, period_of
from sportify_common.vocabulary import EVALUATED_BY_JOB, BackfillStatus, Reprocess
from sportify_monitor.context import Monitor

logger = logging.getLogger("sportify.monitor.backfills")

_TERMINAL = (JobStatus.COMPLETED, JobStatus.FAILED)


@dataclass(slots=True)
class BackfillRunner:
    """One asyncio task per monitor: works running backfills, one at a time."""

    poll_seconds: float = 1.0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self, monitor: Monitor) -> None:
        while True:
            try:
                await self.work_once(monitor)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("the backfill runner failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    async def work_once(self, monitor: Monitor) -> None:
        """Work every running backfill whose lock this monitor can take (and settle what a
        cancel left in progress while its runner was gone)."""
        async with monitor.engine.begin() as conn:
            await backfills.settle_cancelled(conn)
        async with monitor.engine.connect() as conn:
            ids = await backfills.running_ids(conn)
        for backfill_id in ids:
            await self._work_locked(monitor, backfill_id)

    async def _work_locked(self, monitor: Monitor, backfill_id: UUID) -> None:
        async with monitor.engine.connect() as lock_conn:
            locked = await backfills.try_lock(lock_conn, backfill_id)
            await lock_conn.commit()
            if not locked:
                return
            try:
                await _work(monitor, backfill_id, self.poll_seconds)
            finally:
                await _release(lock_conn, backfill_id)


async def _release(lock_conn: AsyncConnection, backfill_id: UUID) -> None:
    try:
        await backfills.unlock(lock_conn, backfill_id)
        await lock_conn.commit()
    except BaseException:
        # Never hand a connection that may still hold the lock back to the pool.
        await lock_conn.invalidate()
        raise


async def _work(monitor: Monitor, backfill_id: UUID, poll_seconds: float) -> None:
    while True:
        async with monitor.engine.connect() as conn:
            row = await backfills.get(conn, backfill_id)
        if row is None or row.status is not BackfillStatus.RUNNING:
            return
        pending = next(
            ((i, p) for i, p in enumerate(row.periods) if p.get("outcome") is None), None
        )
        if pending is None:
            await _finish(monitor, row)
            return
        index, entry = pending
        await _work_period(monitor, row, index, entry, poll_seconds)


async def _finish(monitor: Monitor, row: BackfillRow) -> None:
    failed = any(p.get("outcome") == Outcome.FAILED for p in row.periods)
    status = BackfillStatus.FAILED if failed else BackfillStatus.COMPLETED
    async with monitor.engine.begin() as conn:
        await backfills.finish(conn, row.id, status=status, now=monitor.clock())
    logger.info("backfill %s %s", row.id, status.value)


def _period(row: BackfillRow, entry: dict[str, Any], monitor: Monitor) -> Period:
    kind = EVALUATED_BY_JOB[JobName(row.job_name)].kind
    return period_of(kind, date.fromisoformat(entry["firstDay"]), monitor.settings.zone)


async def _record(monitor: Monitor, row: BackfillRow, index: int, patch: dict[str, Any]) -> None:
    async with monitor.engine.begin() as conn:
        await backfills.update_period(conn, row.id, index, patch)


async def _work_period(
    monitor: Monitor, row: BackfillRow, index: int, entry: dict[str, Any], poll_seconds: float
) -> None:
    if entry.get("action") == Action.SKIP:
        await _record(monitor, row, index, {"outcome": Outcome.SKIPPED.value})
        return
    period = _period(row, entry, monitor)
    job_name = JobName(row.job_name)
    force = row.reprocess == Reprocess.ALL
    run_id_text = entry.get("runId")
    if run_id_text is None:
        async with monitor.engine.begin() as conn:
            claim = await jobs.claim(
                conn,
                job_name=job_name,
                scheduled_for=period.end,
                trigger=Trigger.BACKFILL,
                force=force,
                now=monitor.clock(),
                extra={
                    "backfillId": str(row.id),
                    "actor": row.created_by,
                    "reason": row.reason,
                    "sendEmails": row.send_emails,
                },
            )
            patch: dict[str, Any] = {"runId": str(claim.run.id)}
            if not claim.should_publish:
                patch |= {"outcome": Outcome.SKIPPED.value, "reason": claim.outcome.value}
            await backfills.update_period(conn, row.id, index, patch)
        if not claim.should_publish:
            logger.info("backfill %s: %s skipped (%s)", row.id, period.label, claim.outcome)
            return
        run_id = claim.run.id
        published = False
    else:
        run_id = UUID(run_id_text)
        published = bool(entry.get("published"))

    future = monitor.waiters.register(run_id)
    try:
        if not published:
            async with monitor.engine.connect() as conn:
                run = await jobs.get(conn, run_id)
            if run is not None and run.status is JobStatus.PENDING:
                await publish(
                    monitor.broker,
                    monitor.topology,
                    RoutingKey.PERIOD_CLOSED,
                    PeriodClosed(
                        job_run_id=run_id,
                        job_name=job_name,
                        period_start=period.start,
                        period_end=period.end,
                        force=force,
                    ),
                )
            await _record(monitor, row, index, {"published": True})
        status = await _wait(monitor, run_id, future, poll_seconds)
    finally:
        monitor.waiters.discard(run_id, future)
    outcome = Outcome.COMPLETED if status is JobStatus.COMPLETED else Outcome.FAILED
    await _record(monitor, row, index, {"outcome": outcome.value})
    logger.info("backfill %s: %s %s (run %s)", row.id, period.label, outcome.value, run_id)


async def _wait(
    monitor: Monitor, run_id: UUID, future: asyncio.Future[Any], poll_seconds: float
) -> JobStatus:
    """The run's final status: its job.finished, or what `job_runs` says at each poll. A run
    that vanished (retention, by hand) counts as failed."""
    while True:
        if future.done():  # job.finished came and went: the row decides from here
            await asyncio.sleep(poll_seconds)
        else:
            await asyncio.wait({future}, timeout=poll_seconds)
        async with monitor.engine.connect() as conn:
            run = await jobs.get(conn, run_id)
        if run is None:
            return JobStatus.FAILED
        if run.status in _TERMINAL:
            return run.status
