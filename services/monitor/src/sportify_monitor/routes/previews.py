"""/api/admin/preview/{weekly,monthly} and …/send (admin auth, SPEC 12.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sportify_common.periods import PeriodKind
from sportify_common.vocabulary import MONTHLY, WEEKLY
from sportify_monitor import preview_operations
from sportify_monitor.context import Monitor
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.mail_operations import Operator
from sportify_monitor.params import parse_uuid
from sportify_monitor.routes.emails import ReasonParam
from sportify_monitor.triggers import target_period

router = APIRouter(prefix="/api/admin/preview", tags=["preview"], dependencies=[AdminAuth])

UserParam = Annotated[str, Query(alias="userId", max_length=64)]
WeekParam = Annotated[str | None, Query(alias=WEEKLY.query_param, max_length=32)]
MonthParam = Annotated[str | None, Query(alias=MONTHLY.query_param, max_length=32)]
ToParam = Annotated[str | None, Query(max_length=400)]


@router.get("/weekly")
async def preview_weekly(
    monitor: MonitorDep, user_id: UserParam, week_start: WeekParam = None
) -> dict[str, Any]:
    """The user's weekly results row and summary email, computed without writing anything
    (`weekStart` defaults to the last closed week)."""
    period = target_period(monitor, PeriodKind.WEEKLY, week_start)
    return await preview_operations.preview(
        monitor, PeriodKind.WEEKLY, parse_uuid("userId", user_id), period
    )


@router.get("/monthly")
async def preview_monthly(
    monitor: MonitorDep, user_id: UserParam, month: MonthParam = None
) -> dict[str, Any]:
    """The user's monthly results row and summary email (`month` defaults to the last closed
    month); it ranks the user among everyone, so it takes about one aggregation of the month."""
    period = target_period(monitor, PeriodKind.MONTHLY, month)
    return await preview_operations.preview(
        monitor, PeriodKind.MONTHLY, parse_uuid("userId", user_id), period
    )


@router.post("/weekly/send", status_code=202)
async def send_weekly(
    monitor: MonitorDep,
    actor: ActorDep,
    user_id: UserParam,
    to: ToParam = None,
    week_start: WeekParam = None,
    reason: ReasonParam = None,
) -> JSONResponse:
    """Sends the previewed email to `to` with `[TEST] ` before its subject (kind `test`)."""
    return await _send(monitor, PeriodKind.WEEKLY, week_start, user_id, to, actor, reason)


@router.post("/monthly/send", status_code=202)
async def send_monthly(
    monitor: MonitorDep,
    actor: ActorDep,
    user_id: UserParam,
    to: ToParam = None,
    month: MonthParam = None,
    reason: ReasonParam = None,
) -> JSONResponse:
    return await _send(monitor, PeriodKind.MONTHLY, month, user_id, to, actor, reason)


async def _send(
    monitor: Monitor,
    kind: PeriodKind,
    explicit: str | None,
    user_id: str,
    to: str | None,
    actor: str,
    reason: str | None,
) -> JSONResponse:
    period = target_period(monitor, kind, explicit)
    answer = await preview_operations.send_test(
        monitor,
        kind,
        parse_uuid("userId", user_id),
        period,
        to=to or "",
        operator=Operator(actor=actor, reason=reason),
    )
    return JSONResponse(answer, status_code=202)
