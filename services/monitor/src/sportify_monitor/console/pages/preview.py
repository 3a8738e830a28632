"""Preview (SPEC 13): a user and a period → their summary email as the run would write it, and
a test send; through `preview_operations`, as GET/POST /api/admin/preview/…"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sportify_common.periods import PeriodKind
from sportify_monitor import preview_operations
from sportify_monitor.console.pages.emails import EMAIL_BODY_POLICY
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
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
from sportify_monitor.triggers import target_period

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

KINDS: Final = {"weekly": PeriodKind.WEEKLY, "monthly": PeriodKind.MONTHLY}


def _kind(value: str) -> PeriodKind:
    if value not in KINDS:
        raise bad_request(f"kind must be weekly or monthly, got {value[:20]!r}.")
    return KINDS[value]


async def _preview(request: Request, kind: str, user_id: str, period: str) -> dict[str, Any]:
    monitor = monitor_of(request)
    period_kind = _kind(kind)
    return await preview_operations.preview(
        monitor,
        period_kind,
        parse_uuid("userId", user_id),
        target_period(monitor, period_kind, period or None),
    )


@router.get("/preview")
async def preview(request: Request) -> Response:
    session = require_session(request)
    params = request.query_params
    kind = params.get("kind") or "weekly"
    user_id = params.get("userId", "").strip()[:64]
    period = params.get("period", "").strip()[:10]
    answer = await _preview(request, kind, user_id, period) if user_id else None
    return render(
        request,
        "preview.html",
        session=session,
        section="preview",
        title="Preview",
        kind=kind,
        user_id=user_id,
        period=period,
        result=answer["result"] if answer else None,
        email=answer["email"] if answer else None,
    )


@router.get("/preview/{kind}/body.html")
async def preview_body(request: Request, kind: str) -> Response:
    require_session(request)
    params = request.query_params
    answer = await _preview(
        request, kind, params.get("userId", "")[:64], params.get("period", "")[:10]
    )
    html = (answer.get("email") or {}).get("bodyHtml")
    if not html:
        raise ApiError(404, "not-found", "This preview has no HTML body.")
    response = with_headers(HTMLResponse(str(html)))
    response.headers["Content-Security-Policy"] = EMAIL_BODY_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@router.post("/preview/{kind}/send")
async def send_test(request: Request, kind: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    monitor = monitor_of(request)
    period_kind = _kind(kind)
    user_id, period = form.get("userId")[:64], form.get("period")[:10]
    answer = await preview_operations.send_test(
        monitor,
        period_kind,
        parse_uuid("userId", user_id),
        target_period(monitor, period_kind, period or None),
        to=form.get("to")[:400],
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    back = f"{PREFIX}/preview?" + urlencode({"kind": kind, "userId": user_id, "period": period})
    return redirect(back, flash=f"Test sent to {answer['to']}: {answer['subject']}")
