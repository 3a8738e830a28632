"""Bodies of the mail operations (SPEC 12.4) and the audit list (SPEC 12): camelCase, instants as
ISO-8601 UTC strings with milliseconds, lists with the opaque `nextCursor` (null at the end)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sportify_common.audit import MAX_REASON_LENGTH, AuditRow
from sportify_common.email_queue_reads import EmailDetailRow, EmailListRow
from sportify_common.mail_admin import SuppressionRow
from sportify_common.periods import to_wire
from sportify_common.vocabulary import EmailKind, EmailStatus
from sportify_monitor.schemas import Schema, wire

MAX_REQUEUE_IDS = 10_000
CONFIRM_ABOVE = 10_000
"""A requeue of more rows than this needs `"confirm": true` (SPEC 12.4)."""
MAX_ADDRESS_LENGTH = 320


def no_nul(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL: such a value is bad input (400), never a 500."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(no_nul)
Reason = Annotated[str | None, Field(max_length=MAX_REASON_LENGTH), NoNul]


class EmailEntry(Schema):
    id: str
    recipient: str
    kind: str
    subject: str
    status: str
    attempts: int
    error: str | None
    failed_after_retries: bool
    created_at: str
    sent_at: str | None
    next_attempt_at: str

    @classmethod
    def fields_of(cls, row: EmailListRow) -> dict[str, Any]:
        return {
            "id": str(row.id),
            "recipient": row.recipient,
            "kind": row.kind,
            "subject": row.subject,
            "status": row.status,
            "attempts": row.attempts,
            "error": row.error,
            "failed_after_retries": row.failed_after_retries,
            "created_at": to_wire(row.created_at),
            "sent_at": wire(row.sent_at),
            "next_attempt_at": to_wire(row.next_attempt_at),
        }

    @classmethod
    def of(cls, row: EmailListRow) -> EmailEntry:
        return cls(**cls.fields_of(row))


class EmailDetail(EmailEntry):
    idempotency_key: str
    user_id: str | None
    locale: str
    updated_at: str
    body_text: str | None
    body_html: str | None
    headers: dict[str, Any] | None

    @classmethod
    def of_detail(cls, row: EmailDetailRow) -> EmailDetail:
        return cls(
            **cls.fields_of(row),
            idempotency_key=row.idempotency_key,
            user_id=str(row.user_id) if row.user_id is not None else None,
            locale=row.locale,
            updated_at=to_wire(row.updated_at),
            body_text=row.body_text,
            body_html=row.body_html,
            headers=row.headers,
        )


class EmailList(Schema):
    emails: list[EmailEntry]
    next_cursor: str | None


class EmailDetailResponse(Schema):
    email: EmailDetail


class _Body(Schema):
    """A request body: unknown keys are refused (a typo such as `dryrun` never goes unnoticed)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


class EmailFilterBody(_Body):
    """The list's filters; every one optional."""

    status: EmailStatus | None = None
    kind: EmailKind | None = None
    recipient: Annotated[str | None, Field(max_length=MAX_ADDRESS_LENGTH), NoNul] = None
    created_from: Annotated[str | None, Field(max_length=40)] = None
    created_to: Annotated[str | None, Field(max_length=40)] = None
    failed_after_retries: bool | None = None


class RequeueRequest(_Body):
    ids: Annotated[list[UUID] | None, Field(max_length=MAX_REQUEUE_IDS)] = None
    filter: EmailFilterBody | None = None
    dry_run: bool = False
    confirm: bool = False
    reason: Reason = None


class RequeueResponse(Schema):
    status: Literal["ok"] = "ok"
    dry_run: bool
    matched: int
    """Rows the ids or the filter matched, whatever their status."""
    requeued: int
    """Rows put back to `pending` (a dry run: how many would be)."""
    not_failed: int
    """Matched rows not `failed` (`sent`, `skipped`, still due): never requeued."""
    body_cleared: int
    """Matched `failed` rows whose body retention cleared: they cannot be sent, not requeued."""
    not_found: int
    """Requested ids with no row (0 for a filter)."""


class SuppressionEntry(Schema):
    address: str
    reason: str
    source: str
    email_id: str | None
    created_at: str
    expires_at: str | None
    active: bool

    @classmethod
    def of(cls, row: SuppressionRow, *, active: bool) -> SuppressionEntry:
        return cls(
            address=row.address,
            reason=row.reason,
            source=row.source,
            email_id=str(row.email_id) if row.email_id is not None else None,
            created_at=to_wire(row.created_at),
            expires_at=wire(row.expires_at),
            active=active,
        )


class SuppressionList(Schema):
    suppressions: list[SuppressionEntry]
    next_cursor: str | None


class SuppressionRequest(_Body):
    address: Annotated[str, Field(min_length=3, max_length=MAX_ADDRESS_LENGTH)]
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON_LENGTH), NoNul]


class SuppressionResponse(Schema):
    status: Literal["ok"] = "ok"
    suppression: SuppressionEntry
    replaced: SuppressionEntry | None
    """The entry the address had before (a bounce's, say), or null when it had none."""


class SuppressionRemoved(Schema):
    status: Literal["ok"] = "ok"
    removed: SuppressionEntry


class AuditEntryBody(Schema):
    id: str
    at: str
    actor: str
    action: str
    target: str
    reason: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntryBody:
        return cls(
            id=str(row.id),
            at=to_wire(row.at),
            actor=row.actor,
            action=row.action,
            target=row.target,
            reason=row.reason,
            details=row.details,
        )


class AuditList(Schema):
    entries: list[AuditEntryBody]
    next_cursor: str | None
