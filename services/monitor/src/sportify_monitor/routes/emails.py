"""/api/admin/emails (admin auth): the email list, one email, requeue (SPEC 12.4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sportify_common.audit import MAX_REASON_LENGTH
from sportify_common.email_filter import EmailFilter
from sportify_common.mail_admin import RequeueSelection
from sportify_common.paging import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT, Cursor, CursorError
from sportify_common.vocabulary import EmailKind, EmailStatus
from sportify_monitor import mail_operations
from sportify_monitor.deps import ActorDep, AdminAuth, MonitorDep
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_operations import Operator
from sportify_monitor.mail_schemas import (
    MAX_ADDRESS_LENGTH,
    EmailDetailResponse,
    EmailFilterBody,
    EmailList,
    NoNul,
    RequeueRequest,
    RequeueResponse,
)
from sportify_monitor.params import ParamError, parse_instant, parse_uuid

router = APIRouter(prefix="/api/admin", tags=["emails"], dependencies=[AdminAuth])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
CursorParam = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)]
ReasonParam = Annotated[str | None, Query(max_length=MAX_REASON_LENGTH), NoNul]


def cursor_of(value: str | None) -> Cursor | None:
    try:
        return Cursor.decode(value) if value else None
    except CursorError as exc:
        raise bad_request(f"cursor: {exc}.") from exc


def email_filter(
    *,
    status: EmailStatus | None,
    kind: EmailKind | None,
    recipient: str | None,
    created_from: str | None,
    created_to: str | None,
    failed_after_retries: bool | None,
) -> EmailFilter:
    where = EmailFilter(
        status=status,
        kind=kind,
        recipient=recipient or None,
        created_from=parse_instant("createdFrom", created_from),
        created_to=parse_instant("createdTo", created_to),
        failed_after_retries=failed_after_retries,
    )
    if where.created_from and where.created_to and where.created_from >= where.created_to:
        raise ParamError("createdTo", "createdTo must be after createdFrom")
    return where


@router.get("/emails", response_model=EmailList)
async def emails(
    monitor: MonitorDep,
    status: Annotated[EmailStatus | None, Query()] = None,
    kind: Annotated[EmailKind | None, Query()] = None,
    recipient: Annotated[str | None, Query(max_length=MAX_ADDRESS_LENGTH), NoNul] = None,
    created_from: Annotated[str | None, Query(alias="createdFrom", max_length=40)] = None,
    created_to: Annotated[str | None, Query(alias="createdTo", max_length=40)] = None,
    failed_after_retries: Annotated[bool | None, Query(alias="failedAfterRetries")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> EmailList:
    """Newest first; `nextCursor` (null on the last page) fetches the next page."""
    where = email_filter(
        status=status,
        kind=kind,
        recipient=recipient,
        created_from=created_from,
        created_to=created_to,
        failed_after_retries=failed_after_retries,
    )
    return await mail_operations.list_emails(
        monitor, where=where, after=cursor_of(cursor), limit=limit
    )


@router.get("/emails/{email_id}", response_model=EmailDetailResponse)
async def email(monitor: MonitorDep, email_id: str) -> EmailDetailResponse:
    """One email with its bodies and headers (null once retention cleared them)."""
    detail = await mail_operations.email_detail(monitor, parse_uuid("id", email_id))
    if detail is None:
        raise ApiError(404, "not-found", f"No email with id {email_id}.")
    return EmailDetailResponse(email=detail)


def _selection(body: RequeueRequest) -> RequeueSelection:
    if (body.ids is None) == (body.filter is None):
        raise bad_request('Send either "ids" or "filter", not both and not neither.')
    if body.ids is not None:
        if not body.ids:
            raise bad_request('"ids" must name at least one email.')
        return RequeueSelection(ids=tuple(body.ids))
    given: EmailFilterBody = body.filter  # type: ignore[assignment]  # checked just above
    return RequeueSelection(
        filter=email_filter(
            status=given.status,
            kind=given.kind,
            recipient=given.recipient,
            created_from=given.created_from,
            created_to=given.created_to,
            failed_after_retries=given.failed_after_retries,
        )
    )


@router.post("/emails/requeue", response_model=RequeueResponse)
async def requeue(
    monitor: MonitorDep, body: RequeueRequest, actor: ActorDep, reason: ReasonParam = None
) -> RequeueResponse:
    """Only `failed` rows go back to `pending`; more than 10,000 need `"confirm": true`."""
    return await mail_operations.requeue(
        monitor,
        _selection(body),
        dry_run=body.dry_run,
        confirm=body.confirm,
        operator=Operator(actor=actor, reason=body.reason or reason),
    )
