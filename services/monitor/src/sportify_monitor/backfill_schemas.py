"""Bodies of the backfill routes (SPEC 12.2): camelCase, instants as ISO-8601 UTC strings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from sportify_common.backfills import BackfillRow
from sportify_common.vocabulary import Reprocess
from sportify_monitor.mail_schemas import NoNul, Reason
from sportify_monitor.schemas import Schema, wire

Bound = Annotated[str, Field(min_length=1, max_length=10), NoNul]


class BackfillRequest(Schema):
    """`from` / `to`: local Mondays YYYY-MM-DD (weekly-events) or months YYYY-MM (monthly)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    job_name: Literal["weekly-events", "monthly-events"]
    from_: Bound = Field(alias="from")
    to: Bound
    reprocess: Reprocess = Reprocess.MISSING
    send_emails: bool = False
    dry_run: bool = True
    reason: Reason = None


class PlannedPeriodBody(Schema):
    period_start: str
    period_end: str
    existing_status: str | None
    action: str


class DryRunResponse(Schema):
    status: Literal["ok"] = "ok"
    dry_run: Literal[True] = True
    periods: list[PlannedPeriodBody]


class AcceptedResponse(Schema):
    status: Literal["accepted"] = "accepted"
    backfill_id: str
    periods: list[PlannedPeriodBody]
    status_url: str


class BackfillPeriodBody(PlannedPeriodBody):
    """One period's progress: its run (once claimed) and outcome (null while not reached)."""

    run_id: str | None
    outcome: str | None
    reason: str | None


class BackfillBody(Schema):
    id: str
    job_name: str
    period_from: str
    period_to: str
    reprocess: str
    send_emails: bool
    status: str
    created_by: str
    reason: str | None
    created_at: str
    completed_at: str | None
    progress: dict[str, int]
    """How many periods are completed, failed, skipped, cancelled, and still to do (pending)."""

    @classmethod
    def fields_of(cls, row: BackfillRow) -> dict[str, Any]:
        counts = {"completed": 0, "failed": 0, "skipped": 0, "cancelled": 0, "pending": 0}
        for entry in row.periods:
            outcome = entry.get("outcome") or "pending"
            counts[outcome] = counts.get(outcome, 0) + 1
        return {
            "id": str(row.id),
            "job_name": row.job_name,
            "period_from": row.period_from.isoformat(),
            "period_to": row.period_to.isoformat(),
            "reprocess": row.reprocess,
            "send_emails": row.send_emails,
            "status": row.status.value,
            "created_by": row.created_by,
            "reason": row.reason,
            "created_at": wire(row.created_at),
            "completed_at": wire(row.completed_at),
            "progress": counts,
        }

    @classmethod
    def of(cls, row: BackfillRow) -> BackfillBody:
        return cls(**cls.fields_of(row))


class BackfillDetail(BackfillBody):
    periods: list[BackfillPeriodBody]

    @classmethod
    def of_detail(cls, row: BackfillRow) -> BackfillDetail:
        periods = [
            BackfillPeriodBody(
                period_start=entry["periodStart"],
                period_end=entry["periodEnd"],
                existing_status=entry.get("existingStatus"),
                action=entry["action"],
                run_id=entry.get("runId"),
                outcome=entry.get("outcome"),
                reason=entry.get("reason"),
            )
            for entry in row.periods
        ]
        return cls(**cls.fields_of(row), periods=periods)


class BackfillList(Schema):
    backfills: list[BackfillBody]
    next_cursor: str | None


class BackfillResponse(Schema):
    backfill: BackfillDetail
