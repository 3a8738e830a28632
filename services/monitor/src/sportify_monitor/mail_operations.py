"""The monitor's mail operations (SPEC 12.4) and the audit list: each one transaction.

A changing call writes its `audit_log` row in the transaction of its change (none for a dry
run, nor for a requeue that matched no sendable failed row); the SQL is `sportify_common.mail_admin`'s (writes) and `email_queue_reads`' (reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sportify_common import audit, email_queue_reads, mail_admin
from sportify_common.email_filter import EmailFilter
from sportify_common.mail_admin import RequeueSelection
from sportify_common.paging import Cursor, CursorError
from sportify_common.vocabulary import SuppressionSource
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_schemas import (
    CONFIRM_ABOVE,
    AuditEntryBody,
    AuditList,
    EmailDetail,
    EmailEntry,
    EmailList,
    RequeueResponse,
    SuppressionEntry,
    SuppressionList,
    SuppressionRemoved,
    SuppressionResponse,
)

REQUEUE = "emails.requeue"
SUPPRESSION_ADD = "suppressions.add"
SUPPRESSION_REMOVE = "suppressions.remove"
AUDITED_IDS = 1000
"""At most this many requested ids are copied into a requeue's audit row (with their count)."""


@dataclass(frozen=True, slots=True)
class Operator:
    """Who asks and why (SPEC 12): the `X-Sportify-Actor` header and the optional `reason`."""

    actor: str
    reason: str | None


async def list_emails(
    monitor: Monitor, *, where: EmailFilter, after: Cursor | None, limit: int
) -> EmailList:
    async with monitor.engine.connect() as conn:
        try:
            page = await email_queue_reads.list_emails(conn, where=where, after=after, limit=limit)
        except CursorError as exc:
            raise bad_request(f"cursor: {exc}.") from exc
    return EmailList(
        emails=[EmailEntry.of(row) for row in page.rows],
        next_cursor=page.next.encode() if page.next is not None else None,
    )


async def email_detail(monitor: Monitor, email_id: UUID) -> EmailDetail | None:
    async with monitor.engine.connect() as conn:
        row = await email_queue_reads.get_email(conn, email_id)
    return EmailDetail.of_detail(row) if row is not None else None


def _requeue_target(selection: RequeueSelection) -> tuple[str, dict[str, Any]]:
    if selection.ids is not None:
        ids = list(dict.fromkeys(str(i) for i in selection.ids))
        target = ids[0] if len(ids) == 1 else f"{len(ids)} ids"
        return target, {"ids": ids[:AUDITED_IDS], "idCount": len(ids)}
    assert selection.filter is not None  # noqa: S101 - a selection has one or the other
    wire = selection.filter.wire()
    target = "filter " + (" ".join(f"{k}={v}" for k, v in wire.items()) or "(all)")
    return target, {"filter": wire}


async def requeue(
    monitor: Monitor,
    selection: RequeueSelection,
    *,
    dry_run: bool,
    confirm: bool,
    operator: Operator,
) -> RequeueResponse:
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        counts = await mail_admin.count_requeue(conn, selection)
        requested = len(set(selection.ids)) if selection.ids is not None else counts.matched
        if dry_run:
            requeued = counts.requeueable
        else:
            if counts.requeueable > CONFIRM_ABOVE and not confirm:
                raise ApiError(
                    409,
                    "confirmation-required",
                    f"This would requeue {counts.requeueable:,} emails (more than "
                    f'{CONFIRM_ABOVE:,}): send "confirm": true to go ahead.',
                )
            requeued = await mail_admin.requeue(conn, selection, now=now)
        if not dry_run and requeued:  # a call that changed nothing leaves no audit row
            target, details = _requeue_target(selection)
            await audit.record_action(
                conn,
                actor=operator.actor,
                action=REQUEUE,
                target=target,
                reason=operator.reason,
                details={
                    **details,
                    "matched": counts.matched,
                    "requeued": requeued,
                    "notFailed": counts.not_failed,
                    "bodyCleared": counts.body_cleared,
                },
                now=now,
            )
    if not dry_run and monitor.emails_requeued is not None:
        monitor.emails_requeued.inc(requeued)
    return RequeueResponse(
        dry_run=dry_run,
        matched=counts.matched,
        requeued=requeued,
        not_failed=counts.not_failed,
        body_cleared=counts.body_cleared,
        not_found=requested - counts.matched,
    )


def _entry(row: mail_admin.SuppressionRow, monitor: Monitor) -> SuppressionEntry:
    return SuppressionEntry.of(row, active=row.active(monitor.clock()))


async def list_suppressions(
    monitor: Monitor,
    *,
    address: str | None,
    source: SuppressionSource | None,
    include_expired: bool,
    after: Cursor | None,
    limit: int,
) -> SuppressionList:
    now = monitor.clock()
    async with monitor.engine.connect() as conn:
        page = await mail_admin.list_suppressions(
            conn,
            address=address,
            source=source,
            include_expired=include_expired,
            now=now,
            after=after,
            limit=limit,
        )
    return SuppressionList(
        suppressions=[SuppressionEntry.of(row, active=row.active(now)) for row in page.rows],
        next_cursor=page.next.encode() if page.next is not None else None,
    )


async def add_suppression(
    monitor: Monitor, *, address: str, reason: str, operator: Operator
) -> SuppressionResponse:
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        entry, previous = await mail_admin.add_suppression(
            conn, address=address, reason=reason, now=now
        )
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=SUPPRESSION_ADD,
            target=entry.address,
            reason=operator.reason or reason,
            details={
                "reason": reason,
                "replaced": _entry(previous, monitor).model_dump(by_alias=True)
                if previous is not None
                else None,
            },
            now=now,
        )
    return SuppressionResponse(
        suppression=_entry(entry, monitor),
        replaced=_entry(previous, monitor) if previous is not None else None,
    )


async def remove_suppression(
    monitor: Monitor, *, address: str, operator: Operator
) -> SuppressionRemoved:
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        removed = await mail_admin.remove_suppression(conn, address)
        if removed is None:
            raise ApiError(
                404, "not-found", f"{mail_admin.normalise_address(address)} is not suppressed."
            )
        entry = _entry(removed, monitor)
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=SUPPRESSION_REMOVE,
            target=removed.address,
            reason=operator.reason,
            details={"removed": entry.model_dump(by_alias=True)},
            now=now,
        )
    return SuppressionRemoved(removed=entry)


async def list_audit(
    monitor: Monitor, *, action: str | None, after: Cursor | None, limit: int
) -> AuditList:
    async with monitor.engine.connect() as conn:
        try:
            page = await audit.list_entries(conn, action=action, after=after, limit=limit)
        except CursorError as exc:
            raise bad_request(f"cursor: {exc}.") from exc
    return AuditList(
        entries=[AuditEntryBody.of(row) for row in page.rows],
        next_cursor=page.next.encode() if page.next is not None else None,
    )
