"""Schedules (SPEC 13): pause with a note, resume, trigger now; backfills with their dry run
shown before they are confirmed, and the backfills in progress."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from sportify_monitor import backfill_operations, schedule_operations
from sportify_monitor.backfill_schemas import AcceptedResponse, BackfillRequest, DryRunResponse
from sportify_monitor.console import actions
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
    Form,
    checked_form,
    monitor_of,
    redirect,
    render,
    require_session,
)
from sportify_monitor.errors import bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.params import parse_uuid

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

BACKFILLS_SHOWN = 20


@router.get("/schedules")
async def schedules(request: Request) -> Response:
    session = require_session(request)
    monitor = monitor_of(request)
    listed = await schedule_operations.list_schedules(monitor)
    backfills = await backfill_operations.list_backfills(monitor, after=None, limit=BACKFILLS_SHOWN)
    return render(
        request,
        "schedules.html",
        session=session,
        section="schedules",
        title="Schedules",
        schedules=listed.schedules,
        backfills=backfills.backfills,
        periodic={job.value for job in actions.PERIOD_KINDS},
    )


@router.post("/schedules/{job_name}/pause")
async def pause(request: Request, job_name: str) -> Response:
    return await _change(request, job_name, pause=True)


@router.post("/schedules/{job_name}/resume")
async def resume(request: Request, job_name: str) -> Response:
    return await _change(request, job_name, pause=False)


async def _change(request: Request, job_name: str, *, pause: bool) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    note = form.get("note")[:500]
    answer = await schedule_operations.change(
        monitor_of(request),
        schedule_operations.job_of(job_name),
        pause=pause,
        note=note,
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    verb = "paused" if pause else "resumed"
    message = f"{job_name} {verb}." if answer.changed else f"{job_name} was already {verb}."
    return redirect(f"{PREFIX}/schedules", flash=message)


@router.post("/schedules/{job_name}/trigger")
async def trigger_now(request: Request, job_name: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    job = schedule_operations.job_of(job_name)
    outcome = await actions.trigger(monitor_of(request), job, force=form.flag("force"), label=None)
    if outcome.run_id:
        return redirect(f"{PREFIX}/runs/{outcome.run_id}", flash=outcome.message)
    return redirect(f"{PREFIX}/schedules", flash=outcome.message)


def _backfill_request(form: Form, *, dry_run: bool) -> BackfillRequest:
    try:
        return BackfillRequest.model_validate(
            {
                "jobName": form.get("job_name"),
                "from": form.get("from"),
                "to": form.get("to"),
                "reprocess": form.get("reprocess") or "missing",
                "sendEmails": form.flag("send_emails"),
                "dryRun": dry_run,
                "reason": form.get("reason") or None,
            }
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:4]
        )
        raise bad_request(f"The backfill form is not valid: {problems}.") from exc


@router.post("/backfills/plan")
async def plan_backfill(request: Request) -> Response:
    """The dry run: what would run and what would be skipped, with the confirm form."""
    session = require_session(request)
    form = await checked_form(request, session)
    body = _backfill_request(form, dry_run=True)
    answer = await backfill_operations.start(
        monitor_of(request), body, Operator(actor=session.actor, reason=body.reason)
    )
    assert isinstance(answer, DryRunResponse)  # noqa: S101 - dryRun was set
    return render(
        request,
        "backfill_plan.html",
        session=session,
        section="schedules",
        title="Backfill: dry run",
        body=body,
        periods=answer.periods,
        to_run=sum(p.action == "run" for p in answer.periods),
    )


@router.post("/backfills")
async def start_backfill(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    body = _backfill_request(form, dry_run=False)
    answer = await backfill_operations.start(
        monitor_of(request), body, Operator(actor=session.actor, reason=body.reason)
    )
    assert isinstance(answer, AcceptedResponse)  # noqa: S101 - dryRun was not set
    return redirect(f"{PREFIX}/backfills/{answer.backfill_id}", flash="Backfill started.")


@router.get("/backfills/{backfill_id}")
async def backfill(request: Request, backfill_id: str) -> Response:
    session = require_session(request)
    shown = await backfill_operations.show(monitor_of(request), parse_uuid("id", backfill_id))
    detail = shown.backfill
    return render(
        request,
        "backfill.html",
        session=session,
        section="schedules",
        title="Backfill",
        backfill=detail,
        in_progress=detail.status == "running",
    )


@router.post("/backfills/{backfill_id}/cancel")
async def cancel_backfill(request: Request, backfill_id: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    await backfill_operations.cancel(
        monitor_of(request),
        parse_uuid("id", backfill_id),
        Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    return redirect(f"{PREFIX}/backfills/{backfill_id}", flash="Backfill cancelled.")
