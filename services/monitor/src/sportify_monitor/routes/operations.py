"""/api/admin/dead-letters and /api/admin/jobs/{id}/cancel (admin auth, SPEC 12.5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sportify_monitor import dead_letter_operations, run_cancel
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.mail_operations import Operator
from sportify_monitor.ops_schemas import (
    MAX_PEEK_LIMIT,
    CancelRequest,
    CancelResponse,
    DeadLetterPeek,
    DeadLetterQueues,
    PurgeRequest,
    PurgeResponse,
    ReplayRequest,
    ReplayResponse,
)
from sportify_monitor.params import parse_uuid
from sportify_monitor.routes.emails import ReasonParam

router = APIRouter(prefix="/api/admin", tags=["operations"], dependencies=[AdminAuth])


@router.get("/dead-letters", response_model=DeadLetterQueues)
async def dead_letter_queues(monitor: MonitorDep) -> DeadLetterQueues:
    return await dead_letter_operations.list_queues(monitor)


@router.get("/dead-letters/{queue}", response_model=DeadLetterPeek)
async def peek_dead_letters(
    monitor: MonitorDep,
    queue: str,
    limit: Annotated[int, Query(ge=1, le=MAX_PEEK_LIMIT)] = 10,
) -> DeadLetterPeek:
    """The first `limit` messages, left in the queue (order and depth unchanged)."""
    return await dead_letter_operations.peek(monitor, queue, limit=limit)


@router.post("/dead-letters/{queue}/replay", response_model=ReplayResponse)
async def replay_dead_letters(
    monitor: MonitorDep,
    actor: ActorDep,
    queue: str,
    body: ReplayRequest | None = None,
    reason: ReasonParam = None,
) -> ReplayResponse:
    """Republish up to `limit` messages to their original routing keys; each leaves the DLQ
    only after the broker confirmed its copy."""
    request = body or ReplayRequest()
    operator = Operator(actor=actor, reason=request.reason or reason)
    return await dead_letter_operations.replay(
        monitor, queue, limit=request.limit, operator=operator
    )


@router.post("/dead-letters/{queue}/purge", response_model=PurgeResponse)
async def purge_dead_letters(
    monitor: MonitorDep,
    actor: ActorDep,
    queue: str,
    body: PurgeRequest | None = None,
    reason: ReasonParam = None,
) -> PurgeResponse:
    operator = Operator(actor=actor, reason=(body.reason if body else None) or reason)
    return await dead_letter_operations.purge(monitor, queue, operator=operator)


@router.post(
    "/jobs/{run_id}/cancel",
    response_model=CancelResponse,
    responses={202: {"model": CancelResponse, "description": "Still running after the wait"}},
)
async def cancel_job(
    monitor: MonitorDep,
    actor: ActorDep,
    run_id: str,
    body: CancelRequest | None = None,
    reason: ReasonParam = None,
) -> JSONResponse:
    """Cancel a running weekly or monthly run; waits up to 10 s for it to stop."""
    operator = Operator(actor=actor, reason=(body.reason if body else None) or reason)
    answer = await run_cancel.answer(monitor, parse_uuid("id", run_id), operator=operator)
    return JSONResponse(
        answer.model_dump(by_alias=True), status_code=200 if answer.status == "ok" else 202
    )
