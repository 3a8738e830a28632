"""Emails (SPEC 13): the list with filters, an email's page (its HTML in a sandboxed frame of
its own, its text), requeue of the selected rows or of all that match after the dry-run count,
and the suppressions; every change through `mail_operations`, as the admin API."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sportify_common.email_filter import EmailFilter
from sportify_common.mail_admin import RequeueSelection
from sportify_common.paging import MAX_LIMIT
from sportify_common.vocabulary import EmailKind, EmailStatus
from sportify_monitor import mail_operations
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
    Form,
    checked_form,
    monitor_of,
    redirect,
    render,
    require_session,
    with_headers,
)
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.params import parse_uuid
from sportify_monitor.routes.emails import cursor_of, email_filter
from sportify_monitor.routes.suppressions import checked_address

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE: Final = 50
FILTER_FIELDS: Final = ("status", "kind", "recipient", "created_from", "created_to")
EMAIL_BODY_POLICY: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)


def _enum(value: str, kind: type[EmailStatus] | type[EmailKind], name: str) -> str | None:
    if not value:
        return None
    allowed = [member.value for member in kind]
    if value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}, got {value[:40]!r}.")
    return value


def _filter_values(get: dict[str, str]) -> dict[str, str]:
    return {name: get.get(name, "").strip()[:320] for name in FILTER_FIELDS}


def _filter_of(values: dict[str, str]) -> EmailFilter:
    status = _enum(values["status"], EmailStatus, "status")
    kind = _enum(values["kind"], EmailKind, "kind")
    return email_filter(
        status=EmailStatus(status) if status else None,
        kind=EmailKind(kind) if kind else None,
        recipient=values["recipient"] or None,
        created_from=values["created_from"] or None,
        created_to=values["created_to"] or None,
        failed_after_retries=None,
    )


@router.get("/emails")
async def emails(request: Request) -> Response:
    session = require_session(request)
    values = _filter_values(dict(request.query_params))
    cursor = request.query_params.get("cursor")
    listed = await mail_operations.list_emails(
        monitor_of(request), where=_filter_of(values), after=cursor_of(cursor), limit=PAGE_SIZE
    )
    return render(
        request,
        "emails.html",
        session=session,
        section="emails",
        title="Emails",
        emails=listed.emails,
        next_cursor=listed.next_cursor,
        first_page=not cursor,
        filters=values,
        statuses=[s.value for s in EmailStatus],
        kinds=[k.value for k in EmailKind],
    )


@router.get("/emails/{email_id}")
async def email(request: Request, email_id: str) -> Response:
    session = require_session(request)
    detail = await mail_operations.email_detail(monitor_of(request), parse_uuid("id", email_id))
    if detail is None:
        raise ApiError(404, "not-found", f"No email with id {email_id}.")
    return render(
        request, "email.html", session=session, section="emails", title="Email", email=detail
    )


@router.get("/emails/{email_id}/body.html")
async def email_body(request: Request, email_id: str) -> Response:
    """The stored HTML alone, for the sandboxed frame: its own policy runs no script, loads
    nothing from outside and allows only the console itself to frame it."""
    require_session(request)
    detail = await mail_operations.email_detail(monitor_of(request), parse_uuid("id", email_id))
    if detail is None or detail.body_html is None:
        raise ApiError(404, "not-found", "No HTML body is stored for this email.")
    response = with_headers(HTMLResponse(detail.body_html))
    response.headers["Content-Security-Policy"] = EMAIL_BODY_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _selection(form: Form) -> tuple[RequeueSelection, dict[str, str], list[str]]:
    values = _filter_values({name: form.get(name) for name in FILTER_FIELDS})
    if form.get("scope") == "all":
        return RequeueSelection(filter=_filter_of(values)), values, []
    ids = form.all("ids")[:MAX_LIMIT]
    if not ids:
        raise bad_request("Select at least one email, or requeue all that match the filter.")
    return RequeueSelection(ids=tuple(parse_uuid("id", i) for i in ids)), values, ids


@router.post("/emails/requeue")
async def requeue_dry_run(request: Request) -> Response:
    """The dry-run count, with the form that confirms it."""
    session = require_session(request)
    form = await checked_form(request, session)
    selection, values, ids = _selection(form)
    counted = await mail_operations.requeue(
        monitor_of(request),
        selection,
        dry_run=True,
        confirm=False,
        operator=Operator(actor=session.actor, reason=None),
    )
    return render(
        request,
        "requeue.html",
        session=session,
        section="emails",
        title="Requeue: dry run",
        counted=counted,
        scope=form.get("scope") or "selected",
        filters=values,
        ids=ids,
    )


@router.post("/emails/requeue/confirm")
async def requeue(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    selection, _values, _ids = _selection(form)
    done = await mail_operations.requeue(
        monitor_of(request),
        selection,
        dry_run=False,
        confirm=True,  # the person saw the dry-run count and confirmed it
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    back = f"{PREFIX}/emails"
    return redirect(back, flash=f"Requeued {done.requeued} of {done.matched} matching emails.")


@router.get("/suppressions")
async def suppressions(request: Request) -> Response:
    session = require_session(request)
    address = request.query_params.get("address", "").strip()[:320]
    cursor = request.query_params.get("cursor")
    listed = await mail_operations.list_suppressions(
        monitor_of(request),
        address=address or None,
        source=None,
        include_expired=False,
        after=cursor_of(cursor),
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "suppressions.html",
        session=session,
        section="suppressions",
        title="Suppressions",
        suppressions=listed.suppressions,
        next_cursor=listed.next_cursor,
        first_page=not cursor,
        address=address,
    )


@router.post("/suppressions")
async def add_suppression(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    reason = form.get("reason")[:500]
    if not reason:
        raise bad_request("Say why the address is suppressed.")
    added = await mail_operations.add_suppression(
        monitor_of(request),
        address=checked_address(form.get("address")[:320]),
        reason=reason,
        operator=Operator(actor=session.actor, reason=None),
    )
    return redirect(f"{PREFIX}/suppressions", flash=f"{added.suppression.address} suppressed.")


@router.post("/suppressions/remove")
async def remove_suppression(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    removed = await mail_operations.remove_suppression(
        monitor_of(request),
        address=checked_address(form.get("address")[:320]),
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    return redirect(
        f"{PREFIX}/suppressions", flash=f"{removed.removed.address} may receive mail again."
    )
