"""The backfill operations (SPEC 12.2): plan (dry run), start, list, show, cancel.

A start and a cancel each write their `audit_log` row (`backfill.start`, `backfill.cancel`) in
the transaction of their change; a dry run writes nothing. The SQL is
`sportify_common.backfills`', the rules `sportify_common.backfill_plan`'s; the periods are
worked by `backfill_runner`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sportify_common import audit, backfill_plan, backfills
from sportify_common.backfill_plan import PlanError, PlannedPeriod
from sportify_common.jobs.names import JobName
from sportify_common.paging import Cursor, CursorError
from sportify_common.vocabulary import BackfillStatus
from sportify_monitor.backfill_schemas import (
    AcceptedResponse,
    BackfillBody,
    BackfillDetail,
    BackfillList,
    BackfillRequest,
    BackfillResponse,
    DryRunResponse,
    PlannedPeriodBody,
)
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_operations import Operator

START = "backfill.start"
CANCEL = "backfill.cancel"


def status_url(backfill_id: UUID) -> str:
    return f"/api/admin/backfills/{backfill_id}"


def _stored(planned: PlannedPeriod) -> dict[str, Any]:
    return {
        **planned.to_wire(),
        "firstDay": planned.period.first_day.isoformat(),
        "reason": planned.reason,
        "runId": None,
        "published": False,
        "outcome": None,
    }


async def start(monitor: Monitor, body: BackfillRequest, operator: Operator) -> Any:
    """The dry run's 200 body, or the started backfill's 202 body."""
    job_name = JobName(body.job_name)
    now = monitor.clock()
    zone = monitor.settings.zone
    try:
        kind = backfill_plan.kind_of(job_name)
        first = backfill_plan.parse_bound(kind, body.from_, zone, now, name="from")
        last = backfill_plan.parse_bound(kind, body.to, zone, now, name="to")
        periods = backfill_plan.periods_between(first, last, zone)
    except PlanError as exc:
        raise bad_request(str(exc)) from exc
    async with monitor.engine.begin() as conn:
        existing = await backfills.existing_statuses(
            conn, job_name=job_name, scheduled_for=[p.end for p in periods]
        )
        planned = backfill_plan.plan(periods, existing, body.reprocess)
        wire_periods = [PlannedPeriodBody(**_camel(p.to_wire())) for p in planned]
        if body.dry_run:
            return DryRunResponse(periods=wire_periods)
        backfill_id = uuid4()
        await backfills.create(
            conn,
            backfill_id=backfill_id,
            job_name=job_name,
            period_from=first.first_day,
            period_to=last.first_day,
            reprocess=body.reprocess.value,
            send_emails=body.send_emails,
            periods=[_stored(p) for p in planned],
            created_by=operator.actor,
            reason=operator.reason,
            now=now,
        )
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=START,
            target=str(backfill_id),
            reason=operator.reason,
            details={
                "jobName": job_name.value,
                "from": body.from_,
                "to": body.to,
                "reprocess": body.reprocess.value,
                "sendEmails": body.send_emails,
                "periods": len(planned),
                "toRun": sum(p.action is backfill_plan.Action.RUN for p in planned),
            },
            now=now,
        )
    if monitor.backfills is not None:
        monitor.backfills.wake()
    return AcceptedResponse(
        backfill_id=str(backfill_id), periods=wire_periods, status_url=status_url(backfill_id)
    )


def _camel(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "period_start": entry["periodStart"],
        "period_end": entry["periodEnd"],
        "existing_status": entry["existingStatus"],
        "action": entry["action"],
    }


async def list_backfills(monitor: Monitor, *, after: Cursor | None, limit: int) -> BackfillList:
    async with monitor.engine.connect() as conn:
        try:
            page = await backfills.list_page(conn, after=after, limit=limit)
        except CursorError as exc:
            raise bad_request(f"cursor: {exc}.") from exc
    return BackfillList(
        backfills=[BackfillBody.of(row) for row in page.rows],
        next_cursor=page.next.encode() if page.next is not None else None,
    )


async def show(monitor: Monitor, backfill_id: UUID) -> BackfillResponse:
    async with monitor.engine.connect() as conn:
        row = await backfills.get(conn, backfill_id)
    if row is None:
        raise ApiError(404, "not-found", f"No backfill with id {backfill_id}.")
    return BackfillResponse(backfill=BackfillDetail.of_detail(row))


async def cancel(monitor: Monitor, backfill_id: UUID, operator: Operator) -> BackfillResponse:
    now = monitor.clock()
    async with monitor.engine.begin() as conn:
        row = await backfills.cancel(conn, backfill_id, now=now)
        if row is None:
            existing = await backfills.get(conn, backfill_id)
            if existing is None:
                raise ApiError(404, "not-found", f"No backfill with id {backfill_id}.")
            raise ApiError(
                409,
                "conflict",
                f"Backfill {backfill_id} is {existing.status.value}, not running; "
                "only a running backfill can be cancelled.",
            )
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=CANCEL,
            target=str(backfill_id),
            reason=operator.reason,
            details={"jobName": row.job_name, "status": BackfillStatus.CANCELLED.value},
            now=now,
        )
    return BackfillResponse(backfill=BackfillDetail.of_detail(row))
