"""/api/admin/suppressions (admin auth): the suppression list and operator entries (SPEC 12.4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from sportify_common.paging import DEFAULT_LIMIT
from sportify_common.vocabulary import SuppressionSource
from sportify_monitor import mail_operations
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.errors import bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.mail_schemas import (
    MAX_ADDRESS_LENGTH,
    NoNul,
    SuppressionList,
    SuppressionRemoved,
    SuppressionRequest,
    SuppressionResponse,
)
from sportify_monitor.routes.emails import CursorParam, Limit, ReasonParam, cursor_of

router = APIRouter(prefix="/api/admin", tags=["suppressions"], dependencies=[AdminAuth])

Address = Annotated[str, Path(min_length=3, max_length=MAX_ADDRESS_LENGTH)]


def checked_address(value: str) -> str:
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or not address.isprintable() or " " in address:
        raise bad_request(f"address must be an email address, got {value[:60]!r}.")
    return address


@router.get("/suppressions", response_model=SuppressionList)
async def suppressions(
    monitor: MonitorDep,
    address: Annotated[str | None, Query(max_length=MAX_ADDRESS_LENGTH), NoNul] = None,
    source: Annotated[SuppressionSource | None, Query()] = None,
    include_expired: Annotated[bool, Query(alias="includeExpired")] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> SuppressionList:
    """Active entries, newest first (`includeExpired=true`: expired ones too, until retention
    deletes them); `address` matches the whole address, ignoring case."""
    return await mail_operations.list_suppressions(
        monitor,
        address=address or None,
        source=source,
        include_expired=include_expired,
        after=cursor_of(cursor),
        limit=limit,
    )


@router.post("/suppressions", response_model=SuppressionResponse)
async def add_suppression(
    monitor: MonitorDep, body: SuppressionRequest, actor: ActorDep, reason: ReasonParam = None
) -> SuppressionResponse:
    """An operator entry: lower-cased, never expires until removed; replaces a bounce entry."""
    return await mail_operations.add_suppression(
        monitor,
        address=checked_address(body.address),
        reason=body.reason,
        operator=Operator(actor=actor, reason=reason),
    )


@router.delete("/suppressions/{address}", response_model=SuppressionRemoved)
async def remove_suppression(
    monitor: MonitorDep, address: Address, actor: ActorDep, reason: ReasonParam = None
) -> SuppressionRemoved:
    """404 when the address has no entry."""
    return await mail_operations.remove_suppression(
        monitor, address=checked_address(address), operator=Operator(actor=actor, reason=reason)
    )
