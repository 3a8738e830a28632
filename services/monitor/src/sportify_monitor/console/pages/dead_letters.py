"""Dead letters (SPEC 13): depths per queue, peek, replay, purge after a confirmation step;
through `dead_letter_operations`, as the admin API."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_monitor import dead_letter_operations
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
    checked_form,
    monitor_of,
    redirect,
    render,
    require_session,
)
from sportify_monitor.errors import bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.ops_schemas import MAX_DEAD_LETTER_LIMIT

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

PEEK: Final = 10


@router.get("/dead-letters")
async def queues(request: Request) -> Response:
    session = require_session(request)
    listed = await dead_letter_operations.list_queues(monitor_of(request))
    return render(
        request,
        "dead_letters.html",
        session=session,
        section="dead-letters",
        title="Dead letters",
        queues=listed.queues,
    )


@router.get("/dead-letters/{queue}")
async def peek(request: Request, queue: str) -> Response:
    session = require_session(request)
    peeked = await dead_letter_operations.peek(monitor_of(request), queue, limit=PEEK)
    return render(
        request,
        "dead_letter_queue.html",
        session=session,
        section="dead-letters",
        title=f"Dead letters: {queue}",
        peek=peeked,
        max_limit=MAX_DEAD_LETTER_LIMIT,
        confirm_purge=request.query_params.get("confirm") == "purge",
    )


@router.post("/dead-letters/{queue}/replay")
async def replay(request: Request, queue: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    try:
        limit = int(form.get("limit") or "100")
    except ValueError as exc:
        raise bad_request("limit must be a whole number.") from exc
    if not 1 <= limit <= MAX_DEAD_LETTER_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_DEAD_LETTER_LIMIT}.")
    answer = await dead_letter_operations.replay(
        monitor_of(request),
        queue,
        limit=limit,
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    return redirect(f"{PREFIX}/dead-letters/{queue}", flash=f"Replayed {answer.replayed} messages.")


@router.post("/dead-letters/{queue}/purge")
async def purge(request: Request, queue: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    if form.get("confirm") != queue:
        raise bad_request("Type the queue's name to confirm the purge.")
    answer = await dead_letter_operations.purge(
        monitor_of(request),
        queue,
        operator=Operator(actor=session.actor, reason=form.get("reason") or None),
    )
    return redirect(f"{PREFIX}/dead-letters/{queue}", flash=f"Purged {answer.purged} messages.")
