"""POST /api/events/{weekly,monthly,emails/dispatch,cleanup,retention} (cron auth)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sportify_common.jobs.names import Trigger
from sportify_common.vocabulary import MONTHLY, WEEKLY
from sportify_monitor import triggers
from sportify_monitor.cleanup import cleanup_now, result_of
from sportify_monitor.deps import CronAuth, MonitorDep
from sportify_monitor.params import parse_flag
from sportify_monitor.schemas import CleanupResponse, StuckJobEntry

router = APIRouter(prefix="/api/events", tags=["events"], dependencies=[CronAuth])

Force = Annotated[str | None, Query(max_length=16)]


def _json(answer: triggers.Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.post("/weekly")
async def weekly(
    monitor: MonitorDep,
    force: Force = None,
    week_start: Annotated[str | None, Query(alias=WEEKLY.query_param, max_length=32)] = None,
) -> JSONResponse:
    answer = await triggers.trigger_period(
        monitor, WEEKLY.kind, force=parse_flag("force", force), explicit=week_start
    )
    return _json(answer)


@router.post("/monthly")
async def monthly(
    monitor: MonitorDep,
    force: Force = None,
    month: Annotated[str | None, Query(alias=MONTHLY.query_param, max_length=32)] = None,
) -> JSONResponse:
    answer = await triggers.trigger_period(
        monitor, MONTHLY.kind, force=parse_flag("force", force), explicit=month
    )
    return _json(answer)


@router.post("/emails/dispatch")
async def dispatch(
    monitor: MonitorDep, limit: Annotated[int, Query(ge=1, le=1000)] = 25
) -> JSONResponse:
    return _json(await triggers.trigger_dispatch(monitor, limit=limit))


@router.post("/retention")
async def retention(monitor: MonitorDep) -> JSONResponse:
    return _json(await triggers.trigger_retention(monitor))


async def run_cleanup(monitor: MonitorDep, trigger: Trigger) -> CleanupResponse:
    outcome = await cleanup_now(monitor, trigger=trigger)
    result = result_of(outcome.cleaned)
    return CleanupResponse(
        job_run_id=str(outcome.run_id),
        cleaned=result.cleaned,
        jobs=[StuckJobEntry.of(job) for job in outcome.cleaned],
    )


@router.post("/cleanup", response_model=CleanupResponse)
async def cleanup(monitor: MonitorDep) -> CleanupResponse:
    return await run_cleanup(monitor, Trigger.HTTP)
