"""GET and POST /api/unsubscribe?token=… : signed one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import html
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from sportify_common.tokens import TokenError, verify_unsubscribe
from sportify_monitor import queries
from sportify_monitor.deps import MonitorDep
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.schemas import UnsubscribeResponse

router = APIRouter(prefix="/api", tags=["unsubscribe"])

Token = Annotated[str, Query(min_length=1, max_length=512)]
DONE = "You will no longer receive Sportify summary emails."

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribed</title></head>
<body><h1>Unsubscribed</h1><p>{message}</p>
<p lang="de">Du erhältst keine Sportify-Zusammenfassungen mehr per E-Mail.</p></body></html>
"""


async def _unsubscribe(monitor: MonitorDep, token: str) -> UUID:
    secret = monitor.settings.token_secret
    if secret is None:
        raise ApiError(
            503,
            "not-configured",
            "No unsubscribe secret is configured (UNSUBSCRIBE_SECRET or the cron secret).",
        )
    try:
        claim = verify_unsubscribe(token, secret.get_secret_value(), now=monitor.clock())
    except TokenError as exc:
        raise bad_request(f"The unsubscribe link is not valid: {exc}.", "invalid-token") from exc
    async with monitor.engine.begin() as conn:
        found = await queries.disable_notifications(conn, claim.user_id)
    if not found:
        raise ApiError(404, "not-found", "The user of this unsubscribe link does not exist.")
    return claim.user_id


@router.post("/unsubscribe", response_model=UnsubscribeResponse)
async def unsubscribe_post(monitor: MonitorDep, token: Token) -> UnsubscribeResponse:
    await _unsubscribe(monitor, token)
    return UnsubscribeResponse(unsubscribed=True, message=DONE)


@router.get("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_get(monitor: MonitorDep, token: Token) -> HTMLResponse:
    await _unsubscribe(monitor, token)
    return HTMLResponse(_PAGE.format(message=html.escape(DONE)))
