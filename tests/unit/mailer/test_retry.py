from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from sportify_common.vocabulary import EmailStatus
from sportify_mailer.retry import (
    FailureKind,
    RetryPolicy,
    SendFailure,
    after_failure,
    after_success,
    backoff_seconds,
    classify,
    skip_reason,
    skipped,
)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, max_seconds=3600)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (None, FailureKind.TRANSIENT),
        (421, FailureKind.TRANSIENT),
        (450, FailureKind.TRANSIENT),
        (451, FailureKind.TRANSIENT),
        (452, FailureKind.TRANSIENT),
        (500, FailureKind.PERMANENT),
        (550, FailureKind.PERMANENT),
        (554, FailureKind.PERMANENT),
    ],
)
def test_classify_treats_no_reply_and_4xx_as_transient_and_5xx_as_permanent(
    code: int | None, kind: FailureKind
) -> None:
    assert classify(code) is kind


@given(
    attempts=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=600),
    cap=st.floats(min_value=0.001, max_value=86_400),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_backoff_stays_within_half_and_full_exponential_delay_capped(
    attempts: int, base: float, cap: float, draw: float
) -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=base, max_seconds=cap)
    ceiling = min(cap, base * 2.0 ** min(attempts - 1, 62))
    delay = backoff_seconds(attempts, policy, lambda: draw)
    assert ceiling / 2 - 1e-9 <= delay <= ceiling + 1e-9
    assert delay <= cap + 1e-9


@given(draw=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_backoff_grows_with_attempts_until_the_cap(draw: float) -> None:
    ceilings = [backoff_seconds(n, POLICY, lambda: 0.999999) for n in range(1, 10)]
    assert ceilings == sorted(ceilings)
    assert max(ceilings) <= POLICY.max_seconds
    assert backoff_seconds(1, POLICY, lambda: draw) <= 30


def test_jitter_spreads_retries_of_the_same_attempt() -> None:
    low = backoff_seconds(2, POLICY, lambda: 0.0)
    high = backoff_seconds(2, POLICY, lambda: 0.99)
    assert low == 30
    assert high > 59


def test_success_marks_sent_with_sent_at_and_counts_the_attempt() -> None:
    outcome = after_success(1, NOW)
    assert (outcome.status, outcome.attempts, outcome.sent_at) == (EmailStatus.SENT, 2, NOW)
    assert outcome.error is None
    assert not outcome.failed_after_retries


@pytest.mark.parametrize(
    ("attempts_before", "failure", "status", "after_retries"),
    [
        (0, SendFailure(451, "try later"), EmailStatus.RETRYING, False),
        (1, SendFailure(None, "connection refused"), EmailStatus.RETRYING, False),
        (2, SendFailure(421, "closing"), EmailStatus.FAILED, True),
        (0, SendFailure(550, "no such user"), EmailStatus.FAILED, False),
        (1, SendFailure(554, "rejected"), EmailStatus.FAILED, False),
    ],
)
def test_failure_outcome_table(
    attempts_before: int, failure: SendFailure, status: EmailStatus, after_retries: bool
) -> None:
    outcome = after_failure(attempts_before, failure, POLICY, now=NOW, rng=lambda: 0.5)
    assert outcome.status is status
    assert outcome.attempts == attempts_before + 1
    assert outcome.failed_after_retries is after_retries
    assert outcome.error is not None
    assert failure.message in outcome.error
    assert outcome.failure is failure.kind
    if status is EmailStatus.RETRYING:
        assert outcome.next_attempt_at is not None
        assert NOW < outcome.next_attempt_at <= NOW + timedelta(seconds=3600)
    else:
        assert outcome.next_attempt_at is None


def test_retrying_waits_longer_after_each_failed_attempt() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=30, max_seconds=3600)
    first = after_failure(0, SendFailure(451, "x"), policy, now=NOW, rng=lambda: 0.0)
    third = after_failure(2, SendFailure(451, "x"), policy, now=NOW, rng=lambda: 0.0)
    assert first.next_attempt_at == NOW + timedelta(seconds=15)
    assert third.next_attempt_at == NOW + timedelta(seconds=60)


def test_error_text_is_bounded() -> None:
    outcome = after_failure(0, SendFailure(451, "x" * 10_000), POLICY, now=NOW, rng=lambda: 0.5)
    assert outcome.error is not None
    assert len(outcome.error) <= 2000


@pytest.mark.parametrize(
    ("has_user", "exists", "enabled", "deleted", "reason"),
    [
        (False, False, False, False, None),
        (True, True, True, False, None),
        (True, True, False, False, "email-notifications-disabled"),
        (True, True, True, True, "user-deleted"),
        (True, False, False, False, "user-deleted"),
    ],
)
def test_skip_reason_for_opted_out_or_deleted_users_only(
    has_user: bool, exists: bool, enabled: bool, deleted: bool, reason: str | None
) -> None:
    assert (
        skip_reason(
            has_user=has_user, user_exists=exists, notifications_enabled=enabled, deleted=deleted
        )
        == reason
    )


def test_skipped_keeps_attempts_and_records_the_reason() -> None:
    outcome = skipped(1, "user-deleted")
    assert (outcome.status, outcome.attempts, outcome.error) == (
        EmailStatus.SKIPPED,
        1,
        "user-deleted",
    )
