"""The audit log (SPEC 12, 13): every operator action, newest first, paged by cursor."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_monitor import mail_operations
from sportify_monitor.console.web import PREFIX, ConsoleRoute, monitor_of, render, require_session
from sportify_monitor.routes.emails import cursor_of

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE: Final = 50


@router.get("/audit")
async def audit_log(request: Request) -> Response:
    session = require_session(request)
    action = request.query_params.get("action", "").strip()[:100]
    cursor = request.query_params.get("cursor")
    listed = await mail_operations.list_audit(
        monitor_of(request), action=action or None, after=cursor_of(cursor), limit=PAGE_SIZE
    )
    return render(
        request,
        "audit.html",
        session=session,
        section="audit",
        title="Audit log",
        entries=listed.entries,
        next_cursor=listed.next_cursor,
        first_page=not cursor,
        action=action,
    )
