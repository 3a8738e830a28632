"""Plain data the mailer's SQL returns and its rules take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sportify_common.job_results import DispatchResult


@dataclass(frozen=True, slots=True)
class DueEmail:
    """A claimed `email_queue` row plus what the sender needs to know about its user."""

    id: UUID
    idempotency_key: str
    recipient: str
    user_id: UUID | None
    kind: str
    subject: str
    body_text: str
    body_html: str
    headers: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    created_at: datetime | None = None
    next_attempt_at: datetime | None = None
    user_exists: bool = False
    notifications_enabled: bool = False
    user_deleted: bool = False
    kind_opted_out: bool = False
    """Its user opted out of its kind (`email_preferences`, SPEC 12.6) since it was queued."""
    suppressed: bool = False
    """The recipient is on `email_suppressions` with an entry that has not expired."""


@dataclass(slots=True)
class DeliveryStats:
    """Counts of one drain (SPEC 4.4 response)."""

    processed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: DeliveryStats) -> None:
        self.processed += other.processed
        self.sent += other.sent
        self.failed += other.failed
        self.skipped += other.skipped

    def as_result(self) -> DispatchResult:
        return DispatchResult(
            processed=self.processed, sent=self.sent, failed=self.failed, skipped=self.skipped
        )
