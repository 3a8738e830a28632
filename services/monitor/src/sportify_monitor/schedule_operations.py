"""The schedules (SPEC 12.1): list with next runs and last run, pause, resume; each one transaction.

`nextRuns` come from the scheduler's own code: the expressions parsed by
`sportify_common.scheduled_jobs` and evaluated by `sportify_common.cron`. A pause or resume that
changes the state writes its `audit_log` row in the same transaction; a no-op writes none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sportify_common import audit, schedules
from sportify_common.cron import next_fires
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName
from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import to_wire
from sportify_common.scheduled_jobs import ScheduledJob, scheduled_jobs
from sportify_common.schedules import ScheduleStateRow
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError
from sportify_monitor.mail_operations import Operator
from sportify_monitor.schedule_schemas import (
    NEXT_RUNS,
    LastRun,
    ScheduleEntry,
    ScheduleList,
    ScheduleResponse,
)

PAUSE: Final = schedules.PAUSE
RESUME: Final = schedules.RESUME


def _jobs(monitor: Monitor) -> dict[JobName, ScheduledJob]:
    return {job.name: job for job in scheduled_jobs(monitor.settings)}


def _entry(
    monitor: Monitor,
    job: ScheduledJob,
    state: ScheduleStateRow | None,
    last: JobRunRow | None,
    now: datetime,
) -> ScheduleEntry:
    zone = monitor.settings.zone
    paused = state is not None and state.paused
    return ScheduleEntry(
        job_name=job.name.value,
        cron=job.cron.source,
        zone=str(zone),
        paused=paused,
        note=state.note if state is not None else "",
        changed_by=state.changed_by if state is not None else None,
        changed_at=to_wire(state.changed_at) if state is not None else None,
        next_runs=[]
        if paused
        else [to_wire(t) for t in next_fires(job.cron, now, zone, NEXT_RUNS)],
        last_run=LastRun.of(last) if last is not None else None,
    )


async def list_schedules(monitor: Monitor) -> ScheduleList:
    now = monitor.clock()
    by_name = _jobs(monitor)
    async with monitor.engine.connect() as conn:
        states = await schedules.states(conn)
        last = await jobs.latest_started(conn, job_names=list(by_name))
    return ScheduleList(
        schedules=[
            _entry(monitor, job, states.get(name.value), last.get(name), now)
            for name, job in by_name.items()
        ]
    )


def job_of(value: str) -> JobName:
    try:
        return JobName(value)
    except ValueError:
        names = ", ".join(name.value for name in JobName)
        raise ApiError(
            404, "not-found", f"No scheduled job {value[:60]!r} (one of {names})."
        ) from None


async def change(
    monitor: Monitor, job_name: JobName, *, pause: bool, note: str, operator: Operator
) -> ScheduleResponse:
    """Pause (`pause`) or resume one job; a no-op answers the state and records nothing."""
    now = monitor.clock()
    job = _jobs(monitor)[job_name]
    state: ScheduleStateRow | None
    async with monitor.engine.begin() as conn:
        if pause:
            state, changed = await schedules.pause(
                conn, job=job_name, note=note, actor=operator.actor, now=now
            )
        else:
            state, changed = await schedules.resume(
                conn, job=job_name, note=note, actor=operator.actor, now=now
            )
        if changed:
            await audit.record_action(
                conn,
                actor=operator.actor,
                action=PAUSE if pause else RESUME,
                target=job_name.value,
                reason=operator.reason,
                details={"note": note},
                now=now,
            )
        last = (await jobs.latest_started(conn, job_names=[job_name])).get(job_name)
    return ScheduleResponse(schedule=_entry(monitor, job, state, last, now), changed=changed)
