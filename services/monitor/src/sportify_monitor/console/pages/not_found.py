"""Any other path under /ops: a page for a person, not the API's JSON 404. Mounted last."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_monitor.console.web import PREFIX, ConsoleRoute, problem_page, require_session

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


@router.get("/{path:path}")
async def not_found(request: Request, path: str) -> Response:
    require_session(request)
    return problem_page(
        request, 404, "Not found", f"There is no console page at /ops/{path[:100]}."
    )
