"""What happens to an email after a send attempt (SPEC 4.4). Pure: no I/O, time and rng passed in.

A failure of the server (`circuit.is_server_failure`: no reply, 421, anything before RCPT TO)
is no attempt at all: the row is left exactly as it was and the circuit opens. What remains
are the server's verdicts on one message, its replies to RCPT TO and DATA:

| attempt result                  | attempts  | status    | failed_after_retries | next_attempt_at |
|---------------------------------|-----------|-----------|----------------------|-----------------|
| success                         | +1        | sent      | false                | unchanged       |
| server failure (circuit opens)  | unchanged | unchanged | unchanged            | unchanged       |
| 4xx to RCPT/DATA, below the max | +1        | retrying  | false                | now + back-off  |
| 4xx to RCPT/DATA, at the max    | +1        | failed    | true                 | unchanged       |
| 5xx to RCPT/DATA                | +1        | failed    | false                | unchanged       |
| user opted out / deleted        | unchanged | skipped   | false                | unchanged       |
| address suppressed (not alerts) | unchanged | skipped   | false                | unchanged       |

Back-off: now + U(1/2, 1) * min(EMAIL_RETRY_MAX_SECONDS, EMAIL_RETRY_BASE_SECONDS * 2^(n-1)); with
the defaults (300 s, 3600 s) the second attempt comes 2.5 to 5 minutes after the first, which
rides out greylisting. A 5xx that says the mailbox does not exist or is unavailable (550, 551,
553, or an enhanced status 5.1.x) also puts the recipient on the suppression list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sportify_common.vocabulary import ADDRESS_SUPPRESSED, KIND_OPTED_OUT, EmailStatus
from sportify_mailer.circuit import SmtpStage, is_server_failure

Rng = Callable[[], float]
"""Returns a float in [0, 1), like `random.random`."""

MAX_ERROR_LENGTH = 2000

MAILBOX_UNAVAILABLE_CODES = frozenset({550, 551, 553})
_ENHANCED_MAILBOX_STATUS = re.compile(r"(?:^|\s)5\.1\.\d{1,3}(?![\d.])")


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class SendFailure:
    """A failed attempt as SMTP reported it: `code` is None for connection errors and timeouts;
    `stage` is the command it answered."""

    code: int | None
    message: str
    stage: SmtpStage

    @property
    def kind(self) -> FailureKind:
        return classify(self.code)

    @property
    def is_server_failure(self) -> bool:
        """Not this message's fault: no attempt is counted and the circuit opens."""
        return is_server_failure(self.stage, self.code)

    @property
    def mailbox_unavailable(self) -> bool:
        """A 5xx to RCPT TO or DATA saying the mailbox does not exist or is unavailable."""
        return mailbox_unavailable(self.code, self.message, self.stage)

    def describe(self) -> str:
        code = f"{self.code} " if self.code is not None else ""
        return f"{code}{self.message}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    base_seconds: float = 300.0
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
    suppress: bool = False
    """Put the recipient on the suppression list (its mailbox does not exist)."""


def classify(code: int | None) -> FailureKind:
    """No reply (connection refused or dropped, timeout) and 4xx are transient; 5xx permanent."""
    if code is not None and 500 <= code < 600:
        return FailureKind.PERMANENT
    return FailureKind.TRANSIENT


def mailbox_unavailable(code: int | None, message: str, stage: SmtpStage) -> bool:
    """550, 551, 553 or an enhanced status 5.1.x, in reply to RCPT TO or DATA."""
    if stage not in (SmtpStage.RCPT, SmtpStage.DATA) or code is None or not 500 <= code < 600:
        return False
    return code in MAILBOX_UNAVAILABLE_CODES or bool(_ENHANCED_MAILBOX_STATUS.search(message))


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
    """The outcome of a message failure (a reply to RCPT TO or DATA); a server failure has none:
    the caller leaves the row as it was."""
    if failure.is_server_failure:
        raise ValueError(f"a server failure is not an attempt: {failure}")
    attempts = attempts_before + 1
    kind = failure.kind
    error = f"{kind.value}: {failure.describe()}"[:MAX_ERROR_LENGTH]
    if kind is FailureKind.PERMANENT:
        return Outcome(
            EmailStatus.FAILED, attempts, error, failure=kind, suppress=failure.mailbox_unavailable
        )
    if attempts >= policy.max_attempts:
        return Outcome(EmailStatus.FAILED, attempts, error, failed_after_retries=True, failure=kind)
    delay = timedelta(seconds=backoff_seconds(attempts, policy, rng))
    return Outcome(EmailStatus.RETRYING, attempts, error, next_attempt_at=now + delay, failure=kind)


def skipped(attempts_before: int, reason: str) -> Outcome:
    return Outcome(EmailStatus.SKIPPED, attempts_before, reason)


def skip_reason(
    *,
    has_user: bool,
    user_exists: bool,
    notifications_enabled: bool,
    deleted: bool,
    suppressed: bool = False,
    is_alert: bool = False,
    kind_opted_out: bool = False,
) -> str | None:
    """Why an email must not be sent any more (its user opted out of email or of its kind or
    is gone, or its address is on the suppression list), else None. Alerts are never
    suppressed."""
    if has_user:
        if not user_exists or deleted:
            return "user-deleted"
        if not notifications_enabled:
            return "email-notifications-disabled"
        if kind_opted_out:
            return KIND_OPTED_OUT
    if suppressed and not is_alert:
        return ADDRESS_SUPPRESSED
    return None
