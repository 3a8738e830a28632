"""What a schedule slot means: which run it claims and for which period (SPEC 3.2, 4.6). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final

from sportify_common.jobs.names import JobName
from sportify_common.periods import Period, PeriodKind, latest_closed
from sportify_common.vocabulary import EVALUATED_BY_JOB

PERIOD_KINDS: Final[Mapping[JobName, PeriodKind]] = {
    job: evaluated.kind for job, evaluated in EVALUATED_BY_JOB.items()
}
"""The evaluation jobs and the kind of period each closes: a view of the vocabulary's mapping."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One decision: claim `(job, scheduled_for)`; `period` is set for the evaluations."""

    job: JobName
    fire_at: datetime
    scheduled_for: datetime
    period: Period | None


def slot_for(job: JobName, fire_at: datetime, zone: tzinfo) -> Slot:
    """An evaluation targets the latest period closed at the fire; others run for the slot."""
    kind = PERIOD_KINDS.get(job)
    if kind is None:
        return Slot(job, fire_at, fire_at, None)
    period = latest_closed(kind, fire_at, zone)
    return Slot(job, fire_at, period.end, period)


def period_slot(job: JobName, period: Period, now: datetime) -> Slot:
    """A catch-up decision for an already closed period."""
    return Slot(job, now, period.end, period)
