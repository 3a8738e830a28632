"""Bodies of the schedules API (SPEC 12.1): camelCase, instants on the wire format."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from sportify_common.jobs.records import JobRunRow
from sportify_common.periods import to_wire
from sportify_monitor.mail_schemas import NoNul, Reason
from sportify_monitor.schemas import Schema, wire

MAX_NOTE_LENGTH = 500
NEXT_RUNS = 5


class LastRun(Schema):
    id: str
    status: str
    scheduled_for: str
    started_at: str | None
    completed_at: str | None

    @classmethod
    def of(cls, run: JobRunRow) -> LastRun:
        return cls(
            id=str(run.id),
            status=run.status,
            scheduled_for=to_wire(run.scheduled_for),
            started_at=wire(run.started_at),
            completed_at=wire(run.completed_at),
        )


class ScheduleEntry(Schema):
    job_name: str
    cron: str
    zone: str
    paused: bool
    note: str
    changed_by: str | None
    changed_at: str | None
    next_runs: list[str]
    """The next 5 fires by the scheduler's own cron code; empty while paused."""
    last_run: LastRun | None
    """The job's run that started last."""


class ScheduleList(Schema):
    schedules: list[ScheduleEntry]


class ScheduleResponse(Schema):
    status: Literal["ok"] = "ok"
    schedule: ScheduleEntry
    changed: bool
    """False for a pause of a paused job or a resume of a running one (no audit row)."""


class PauseRequest(Schema):
    """The body of a pause: why, in a note operators read in the list; unknown keys are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    note: Annotated[str, Field(min_length=1, max_length=MAX_NOTE_LENGTH), NoNul]
    reason: Reason = None


class ResumeRequest(PauseRequest):
    """The body of a resume (optional): the note is optional too."""

    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH), NoNul] = ""
