"""Runs (SPEC 13): the list with filters and paging, a run's page, and its actions (run again,
force, cancel) through the functions the admin API and the triggers call."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_monitor import monitoring, run_cancel
from sportify_monitor.console import actions
from sportify_monitor.console.reads import runs_page
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
    checked_form,
    monitor_of,
    redirect,
    render,
    require_session,
)
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.params import parse_uuid

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE: Final = 50


def _choice(value: str | None, allowed: list[str], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}, got {value[:40]!r}.")
    return value


@router.get("/runs")
async def runs(request: Request) -> Response:
    session = require_session(request)
    monitor = monitor_of(request)
    params = request.query_params
    job_names = [name.value for name in JobName]
    statuses = [status.value for status in JobStatus]
    job = _choice(params.get("job"), job_names, "job")
    status = _choice(params.get("status"), statuses, "status")
    page = await runs_page(
        monitor, job_name=job, status=status, cursor=params.get("cursor"), limit=PAGE_SIZE
    )
    return render(
        request,
        "runs.html",
        session=session,
        section="runs",
        title="Runs",
        page=page,
        job=job or "",
        status=status or "",
        job_names=job_names,
        statuses=statuses,
        first_page=not params.get("cursor"),
    )


@router.get("/runs/{run_id}")
async def run(request: Request, run_id: str) -> Response:
    session = require_session(request)
    monitor = monitor_of(request)
    detail = await monitoring.job_detail(monitor, parse_uuid("id", run_id))
    if detail is None:
        raise ApiError(404, "not-found", f"No job run with id {run_id}.")
    metadata = detail.metadata
    stored = metadata.get("result")
    result: dict[str, Any] = stored if isinstance(stored, dict) else {}
    return render(
        request,
        "run.html",
        session=session,
        section="runs",
        title=f"Run {detail.job_name}",
        run=detail,
        metadata=metadata,
        shown_metadata={
            **metadata,
            "result": {k: v for k, v in result.items() if k != "emailResults"},
        },
        result=result,
        error=metadata.get("error") if isinstance(metadata.get("error"), dict) else None,
        can_rerun=detail.job_name in {job.value for job in actions.PERIOD_KINDS},
        in_progress=detail.status in ("running", "pending"),
    )


@router.post("/runs/{run_id}/again")
async def run_again(request: Request, run_id: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    monitor = monitor_of(request)
    async with monitor.engine.connect() as conn:
        row = await jobs.get(conn, parse_uuid("id", run_id))
    if row is None:
        raise ApiError(404, "not-found", f"No job run with id {run_id}.")
    if not isinstance(row.job_name, JobName) or row.job_name not in actions.PERIOD_KINDS:
        raise bad_request("Only weekly and monthly runs can be run again for their period.")
    label = actions.period_label(row, actions.PERIOD_KINDS[row.job_name], monitor)
    outcome = await actions.trigger(monitor, row.job_name, force=form.flag("force"), label=label)
    target = outcome.run_id or run_id
    return redirect(f"{PREFIX}/runs/{target}", flash=outcome.message)


@router.post("/runs/{run_id}/cancel")
async def cancel(request: Request, run_id: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    monitor = monitor_of(request)
    answer = await run_cancel.answer(
        monitor,
        parse_uuid("id", run_id),
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    message = (
        "Cancelled: the run stopped."
        if answer.status == "ok"
        else "Cancel requested; still stopping."
    )
    return redirect(f"{PREFIX}/runs/{run_id}", flash=message)
