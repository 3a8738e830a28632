"""The filters of the admin email list and of a requeue by filter (SPEC 12.4), said once. Pure.

`EMAIL_FILTER_SQL` is one fixed predicate over `email_queue e`: each filter is a bound parameter
that is null when unset. The statements that use it run with custom plans (see
`sportify_common.email_queue_reads.CUSTOM_PLANS`), so PostgreSQL folds the unset filters away
and plans each request as if only its own filters were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sportify_common.vocabulary import EmailKind, EmailStatus

EMAIL_FILTER_SQL = """
    (cast(:f_status as text) is null or e.status = :f_status)
and (cast(:f_kind as text) is null or e.kind = :f_kind)
and (cast(:f_recipient as text) is null or lower(e.recipient) = :f_recipient)
and (cast(:f_created_from as timestamptz) is null or e.created_at >= :f_created_from)
and (cast(:f_created_to as timestamptz) is null or e.created_at < :f_created_to)
and (cast(:f_far as boolean) is null or e.failed_after_retries = :f_far)
"""


@dataclass(frozen=True, slots=True)
class EmailFilter:
    """Which rows: every field left None matches everything. `recipient` matches the whole
    address, ignoring case; `created_from` is inclusive, `created_to` exclusive."""

    status: EmailStatus | None = None
    kind: EmailKind | None = None
    recipient: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    failed_after_retries: bool | None = None

    def params(self) -> dict[str, Any]:
        """The bound parameters of EMAIL_FILTER_SQL."""
        return {
            "f_status": self.status.value if self.status is not None else None,
            "f_kind": self.kind.value if self.kind is not None else None,
            "f_recipient": self.recipient.strip().lower() if self.recipient else None,
            "f_created_from": self.created_from,
            "f_created_to": self.created_to,
            "f_far": self.failed_after_retries,
        }

    def wire(self) -> dict[str, Any]:
        """The filter as the API spells it (for the audit log), unset filters left out."""
        values = {
            "status": self.status.value if self.status is not None else None,
            "kind": self.kind.value if self.kind is not None else None,
            "recipient": self.recipient,
            "createdFrom": self.created_from.isoformat() if self.created_from else None,
            "createdTo": self.created_to.isoformat() if self.created_to else None,
            "failedAfterRetries": self.failed_after_retries,
        }
        return {key: value for key, value in values.items() if value is not None}
