"""/api/admin/backfills (admin auth): dry run and start, list, show, cancel (SPEC 12.2)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sportify_common.paging import DEFAULT_LIMIT
from sportify_monitor import backfill_operations
from sportify_monitor.backfill_schemas import (
    AcceptedResponse,
    BackfillList,
    BackfillRequest,
    BackfillResponse,
    DryRunResponse,
)
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.mail_operations import Operator
from sportify_monitor.params import parse_uuid
from sportify_monitor.routes.emails import CursorParam, Limit, ReasonParam, cursor_of

router = APIRouter(prefix="/api/admin", tags=["backfills"], dependencies=[AdminAuth])


@router.post(
    "/backfills",
    response_model=DryRunResponse | AcceptedResponse,
    responses={202: {"model": AcceptedResponse}},
)
async def start_backfill(
    monitor: MonitorDep, body: BackfillRequest, actor: ActorDep, reason: ReasonParam = None
) -> JSONResponse:
    """`dryRun` (the default) → 200 with the plan; otherwise 202 and the periods run in the
    background, one at a time, oldest first."""
    answer = await backfill_operations.start(
        monitor, body, Operator(actor=actor, reason=body.reason or reason)
    )
    status = 200 if isinstance(answer, DryRunResponse) else 202
    return JSONResponse(answer.model_dump(by_alias=True), status_code=status)


@router.get("/backfills", response_model=BackfillList)
async def list_backfills(
    monitor: MonitorDep, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> BackfillList:
    """Newest first; `nextCursor` (null on the last page) fetches the next page."""
    return await backfill_operations.list_backfills(monitor, after=cursor_of(cursor), limit=limit)


@router.get("/backfills/{backfill_id}", response_model=BackfillResponse)
async def show_backfill(monitor: MonitorDep, backfill_id: str) -> BackfillResponse:
    """The backfill with each period's run id and outcome."""
    return await backfill_operations.show(monitor, parse_uuid("id", backfill_id))


@router.post("/backfills/{backfill_id}/cancel", response_model=BackfillResponse)
async def cancel_backfill(
    monitor: MonitorDep, backfill_id: str, actor: ActorDep, reason: ReasonParam = None
) -> BackfillResponse:
    """Stops after the period in progress; 409 when the backfill is not running."""
    return await backfill_operations.cancel(
        monitor, parse_uuid("id", backfill_id), Operator(actor=actor, reason=reason)
    )
