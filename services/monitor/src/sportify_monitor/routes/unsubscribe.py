"""GET and POST /api/unsubscribe?token=… (SPEC 5, 12.6; RFC 8058 one-click).

GET is a page for a person and changes nothing; POST changes: the mail client's one-click
(body `List-Unsubscribe=One-Click`) stops the token's kind, the page's form says which
(`choice=kind|all`). A person (a client that accepts HTML, or the page's form) gets pages; a
mail client or script gets the JSON answer, and the JSON error for a bad token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sportify_monitor import unsubscribe_page as pages
from sportify_monitor.deps import MonitorDep
from sportify_monitor.schemas import UnsubscribeResponse
from sportify_monitor.unsubscribe import UnsubscribeError, claim_of, look_up, stop

router = APIRouter(prefix="/api", tags=["unsubscribe"])

Token = Annotated[str | None, Query(max_length=512)]
_MAX_FORM_BYTES = 1024


def _accepts_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _html(page: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={
            "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def _problem(request: Request, problem: UnsubscribeError, *, person: bool) -> Response:
    if person:
        locale = pages.locale_from_accept_language(request.headers.get("accept-language"))
        return _html(pages.problem_page(locale, problem.problem), problem.status_code)
    return JSONResponse(
        {"status": "error", "error": problem.code, "message": problem.message},
        status_code=problem.status_code,
    )


async def _choice(request: Request) -> str | None:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        return None
    values = parse_qs(body.decode("utf-8", "replace")).get("choice")
    return values[0] if values else None


@router.post("/unsubscribe", response_model=UnsubscribeResponse)
async def unsubscribe_post(monitor: MonitorDep, request: Request, token: Token = None) -> Response:
    choice = await _choice(request)
    person = choice is not None or _accepts_html(request)
    try:
        claim = claim_of(monitor, token)
        user = await stop(monitor, claim, everything=choice == pages.CHOICE_ALL)
    except UnsubscribeError as problem:
        return _problem(request, problem, person=person)
    stopped = None if choice == pages.CHOICE_ALL else claim.kind
    if person:
        return _html(pages.confirmation_page(user.locale, kind=stopped))
    answer = UnsubscribeResponse(unsubscribed=True, message=pages.done_message(stopped))
    return JSONResponse(answer.model_dump(mode="json", by_alias=True))


@router.get("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_get(monitor: MonitorDep, request: Request, token: Token = None) -> Response:
    try:
        claim = claim_of(monitor, token)
        user = await look_up(monitor, claim)
    except UnsubscribeError as problem:
        return _problem(request, problem, person=_accepts_html(request))
    return _html(pages.question_page(user.locale, kind=claim.kind, token=token or ""))
