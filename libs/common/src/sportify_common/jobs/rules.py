"""Whether a trigger starts, re-runs, skips or conflicts with a run (SPEC 4.7). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sportify_common.jobs.names import JobStatus


class ClaimOutcome(StrEnum):
    NEW = "new"
    RERUN = "rerun"
    SKIP_COMPLETED = "already-completed"
    SKIP_RUNNING = "already-running"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class ExistingRun:
    status: JobStatus
    created_at: datetime
    started_at: datetime | None


def decide_claim(
    existing: ExistingRun | None, *, force: bool, now: datetime, stale_pending_after: timedelta
) -> ClaimOutcome:
    """A pending run that nobody picked up within `stale_pending_after` counts as stale."""
    if existing is None:
        return ClaimOutcome.NEW
    match existing.status:
        case JobStatus.COMPLETED:
            return ClaimOutcome.RERUN if force else ClaimOutcome.SKIP_COMPLETED
        case JobStatus.RUNNING:
            return ClaimOutcome.CONFLICT if force else ClaimOutcome.SKIP_RUNNING
        case JobStatus.FAILED:
            return ClaimOutcome.RERUN
        case JobStatus.PENDING:
            if now - existing.created_at >= stale_pending_after:
                return ClaimOutcome.RERUN
            return ClaimOutcome.CONFLICT if force else ClaimOutcome.SKIP_RUNNING
