"""/api/admin/schedules (admin auth): the schedules, pause and resume (SPEC 12.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from sportify_monitor import schedule_operations
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.mail_operations import Operator
from sportify_monitor.routes.emails import ReasonParam
from sportify_monitor.schedule_schemas import (
    PauseRequest,
    ResumeRequest,
    ScheduleList,
    ScheduleResponse,
)

router = APIRouter(prefix="/api/admin", tags=["schedules"], dependencies=[AdminAuth])

JobNameParam = Annotated[str, Path(min_length=1, max_length=100)]
"""A scheduled job's name; any other answers 404."""


@router.get("/schedules", response_model=ScheduleList)
async def schedules(monitor: MonitorDep) -> ScheduleList:
    """Every scheduled job: its cron, whether it is paused, its next 5 runs, its last run."""
    return await schedule_operations.list_schedules(monitor)


@router.post("/schedules/{job_name}/pause", response_model=ScheduleResponse)
async def pause(
    monitor: MonitorDep,
    job_name: JobNameParam,
    body: PauseRequest,
    actor: ActorDep,
    reason: ReasonParam = None,
) -> ScheduleResponse:
    """No slot of a paused job runs (a trigger by hand still does); pausing a paused job is a
    no-op (`changed` false, no audit row)."""
    return await schedule_operations.change(
        monitor,
        schedule_operations.job_of(job_name),
        pause=True,
        note=body.note,
        operator=Operator(actor=actor, reason=body.reason or reason),
    )


@router.post("/schedules/{job_name}/resume", response_model=ScheduleResponse)
async def resume(
    monitor: MonitorDep,
    job_name: JobNameParam,
    actor: ActorDep,
    body: ResumeRequest | None = None,
    reason: ReasonParam = None,
) -> ScheduleResponse:
    """The next slot runs again; slots that passed while paused are never run. Resuming a
    running job is a no-op."""
    given = body or ResumeRequest()
    return await schedule_operations.change(
        monitor,
        schedule_operations.job_of(job_name),
        pause=False,
        note=given.note,
        operator=Operator(actor=actor, reason=given.reason or reason),
    )
