"""GET /api/admin/audit (admin auth): operator actions, newest first (SPEC 12)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sportify_common.paging import DEFAULT_LIMIT
from sportify_monitor import mail_operations
from sportify_monitor.deps import AdminAuth, MonitorDep
from sportify_monitor.mail_schemas import AuditList, NoNul
from sportify_monitor.routes.emails import CursorParam, Limit, cursor_of

router = APIRouter(prefix="/api/admin", tags=["audit"], dependencies=[AdminAuth])


@router.get("/audit", response_model=AuditList)
async def audit_log(
    monitor: MonitorDep,
    action: Annotated[str | None, Query(max_length=100), NoNul] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> AuditList:
    """`action` (e.g. `emails.requeue`) lists that action's entries only."""
    return await mail_operations.list_audit(
        monitor, action=action or None, after=cursor_of(cursor), limit=limit
    )
