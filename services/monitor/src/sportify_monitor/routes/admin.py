"""/api/admin/* (admin auth): monitoring document, run history, cleanup, test alert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from sportify_common.alerts import raise_alert
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_monitor import monitoring
from sportify_monitor.alerts import sample_alert
from sportify_monitor.deps import AdminAuth, MonitorDep
from sportify_monitor.errors import ApiError
from sportify_monitor.params import parse_uuid
from sportify_monitor.routes.events import run_cleanup
from sportify_monitor.schemas import (
    AlertTestResponse,
    CleanupResponse,
    JobDetailResponse,
    JobList,
    MonitoringDocument,
)

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[AdminAuth])


@router.get("/monitoring", response_model=MonitoringDocument)
async def monitoring_document(monitor: MonitorDep) -> Response:
    """Served as PostgreSQL renders it (one round trip, no per-row models); same shape.

    Concurrent requests share one load, reused for MONITORING_CACHE_SECONDS.
    """
    document = await monitor.monitoring_documents.get()
    return Response(document, media_type="application/json")


@router.get("/jobs", response_model=JobList)
async def jobs(
    monitor: MonitorDep,
    job_name: Annotated[JobName | None, Query(alias="jobName")] = None,
    status: Annotated[JobStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Response:
    """Served as PostgreSQL renders it, like the monitoring document; same shape as JobList."""
    document = await monitoring.job_history_json(
        monitor, job_name=job_name, status=status, limit=limit
    )
    return Response(document, media_type="application/json")


@router.get("/jobs/{run_id}", response_model=JobDetailResponse)
async def job(monitor: MonitorDep, run_id: str) -> JobDetailResponse:
    detail = await monitoring.job_detail(monitor, parse_uuid("id", run_id))
    if detail is None:
        raise ApiError(404, "not-found", f"No job run with id {run_id}.")
    return JobDetailResponse(job=detail)


@router.post("/monitoring/cleanup-jobs", response_model=CleanupResponse)
async def cleanup_jobs(monitor: MonitorDep) -> CleanupResponse:
    return await run_cleanup(monitor, Trigger.ADMIN)


@router.post("/monitoring/test-alert", response_model=AlertTestResponse)
async def test_alert(monitor: MonitorDep) -> AlertTestResponse:
    now = monitor.clock()
    settings = monitor.settings
    if not settings.alert_recipient and not settings.alert_webhook_url:
        return AlertTestResponse(queued=False, reason="no-alert-recipient")
    queued = await raise_alert(monitor, sample_alert(now), now=now)
    return AlertTestResponse(queued=queued, reason=None if queued else "deduplicated")
