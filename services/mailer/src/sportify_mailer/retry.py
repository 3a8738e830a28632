"""What happens to an email after a send attempt (SPEC 4.4). Pure: no I/O, time and rng passed in.

| attempt result            | attempts     | status     | failed_after_retries | next_attempt_at       |
|---------------------------|--------------|------------|----------------------|-----------------------|
| success                   | +1           | sent       | false                | unchanged             |
| transient, below the max  | +1           | retrying   | false                | now + back-off        |
| transient, at the max     | +1           | failed     | true                 | unchanged             |
| permanent (5xx)           | +1           | failed     | false                | unchanged             |
| user opted out / deleted  | unchanged    | skipped    | false                | unchanged             |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sportify_common.vocabulary import EmailStatus

Rng = Callable[[], float]
"""Returns a float in [0, 1), like `random.random`."""

MAX_ERROR_LENGTH = 2000


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class SendFailure:
    """A failed attempt as SMTP reported it: `code` is None for connection errors and timeouts."""

    code: int | None
    message: str

    @property
    def kind(self) -> FailureKind:
        return classify(self.code)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    base_seconds: float = 30.0
    max_seconds: float = 3600.0


@dataclass(frozen=True, slots=True)
class Outcome:
    status: EmailStatus
    attempts: int
    error: str | None = None
    failed_after_retries: bool = False
    next_attempt_at: datetime | None = None
    """Only set for `retrying`; otherwise the row keeps its value."""
    sent_at: datetime | None = None
    failure: FailureKind | None = None


def classify(code: int | None) -> FailureKind:
    """No reply (connection refused or dropped, timeout) and 4xx are transient; 5xx permanent."""
    if code is not None and 500 <= code < 600:
        return FailureKind.PERMANENT
    return FailureKind.TRANSIENT


def backoff_seconds(attempts: int, policy: RetryPolicy, rng: Rng) -> float:
    """Exponential back-off with "equal jitter": within [d/2, d], d = min(cap, base * 2^(n-1))."""
    exponent = min(max(attempts, 1) - 1, 62)
    ceiling = min(policy.max_seconds, policy.base_seconds * 2.0**exponent)
    return ceiling / 2 + ceiling / 2 * min(max(rng(), 0.0), 1.0)


def after_success(attempts_before: int, now: datetime) -> Outcome:
    return Outcome(EmailStatus.SENT, attempts_before + 1, sent_at=now)


def after_failure(
    attempts_before: int, failure: SendFailure, policy: RetryPolicy, *, now: datetime, rng: Rng
) -> Outcome:
    attempts = attempts_before + 1
    kind = failure.kind
    code = f"{failure.code} " if failure.code is not None else ""
    error = f"{kind.value}: {code}{failure.message}"[:MAX_ERROR_LENGTH]
    if kind is FailureKind.PERMANENT:
        return Outcome(EmailStatus.FAILED, attempts, error, failure=kind)
    if attempts >= policy.max_attempts:
        return Outcome(EmailStatus.FAILED, attempts, error, failed_after_retries=True, failure=kind)
    delay = timedelta(seconds=backoff_seconds(attempts, policy, rng))
    return Outcome(EmailStatus.RETRYING, attempts, error, next_attempt_at=now + delay, failure=kind)


def skipped(attempts_before: int, reason: str) -> Outcome:
    return Outcome(EmailStatus.SKIPPED, attempts_before, reason)


def skip_reason(
    *, has_user: bool, user_exists: bool, notifications_enabled: bool, deleted: bool
) -> str | None:
    """Why a summary must not be sent any more (its user opted out or is gone), else None."""
    if not has_user:
        return None
    if not user_exists or deleted:
        return "user-deleted"
    if not notifications_enabled:
        return "email-notifications-disabled"
    return None
