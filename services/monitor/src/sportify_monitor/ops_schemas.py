"""Bodies of the dead-letter and cancel operations (SPEC 12.5): camelCase, instants as
ISO-8601 UTC strings with milliseconds."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from sportify_monitor.dead_letter_admin import DeadLetter
from sportify_monitor.mail_schemas import Reason, _Body
from sportify_monitor.schemas import Schema, wire

MAX_DEAD_LETTER_LIMIT = 1000
MAX_PEEK_LIMIT = 100


class DeadLetterDepth(Schema):
    queue: str
    depth: int


class DeadLetterQueues(Schema):
    queues: list[DeadLetterDepth]


class DeadLetterEntry(Schema):
    routing_key: str
    """The routing key it was first published with (from `x-death`)."""
    body: str
    """As text (UTF-8, undecodable bytes replaced), at most 64 KiB."""
    body_truncated: bool
    reason: str | None
    """`x-death`'s reason: `rejected`, `delivery_limit`, `expired`, `maxlen`."""
    count: int | None
    """`x-death`'s count: how often it died this way in its queue."""
    first_death_at: str | None
    message_id: str | None
    content_type: str | None

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterEntry:
        return cls(
            routing_key=letter.routing_key,
            body=letter.body,
            body_truncated=letter.body_truncated,
            reason=letter.reason,
            count=letter.count,
            first_death_at=wire(letter.first_death_at),
            message_id=letter.message_id,
            content_type=letter.content_type,
        )


class DeadLetterPeek(Schema):
    queue: str
    depth: int
    messages: list[DeadLetterEntry]


class ReplayRequest(_Body):
    limit: Annotated[int, Field(ge=1, le=MAX_DEAD_LETTER_LIMIT)] = 100
    reason: Reason = None


class ReplayResponse(Schema):
    status: Literal["ok"] = "ok"
    queue: str
    replayed: int


class PurgeRequest(_Body):
    reason: Reason = None


class PurgeResponse(Schema):
    status: Literal["ok"] = "ok"
    queue: str
    purged: int


class CancelRequest(_Body):
    reason: Reason = None


class CancelResponse(Schema):
    status: Literal["ok", "accepted"]
    """`ok`: the run has stopped; `accepted`: still running after the wait (it stops at its
    next step; `statusUrl` tells when)."""
    job_run_id: str
    run_status: str
    cancelled: bool
    """The run ended `failed` with error.type `cancelled` (false: it finished first)."""
    statement_cancelled: bool
    """A statement of its results transaction was in progress and was cancelled."""
    error: dict[str, Any] | None
    status_url: str
