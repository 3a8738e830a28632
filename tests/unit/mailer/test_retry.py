from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from sportify_common.vocabulary import ADDRESS_SUPPRESSED, EmailStatus
from sportify_mailer.circuit import SmtpStage
from sportify_mailer.retry import (
    FailureKind,
    RetryPolicy,
    SendFailure,
    after_failure,
    after_success,
    backoff_seconds,
    classify,
    mailbox_unavailable,
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


def test_default_policy_waits_at_least_two_and_a_half_minutes_before_the_second_attempt() -> None:
    policy = RetryPolicy()

    earliest = backoff_seconds(1, policy, lambda: 0.0)
    latest = backoff_seconds(1, policy, lambda: 0.999999)

    assert (policy.max_attempts, policy.base_seconds, policy.max_seconds) == (3, 300, 3600)
    assert earliest == 150
    assert latest <= 300


def test_success_marks_sent_with_sent_at_and_counts_the_attempt() -> None:
    outcome = after_success(1, NOW)
    assert (outcome.status, outcome.attempts, outcome.sent_at) == (EmailStatus.SENT, 2, NOW)
    assert outcome.error is None
    assert not outcome.failed_after_retries


@pytest.mark.parametrize(
    ("attempts_before", "failure", "status", "after_retries"),
    [
        (0, SendFailure(451, "try later", SmtpStage.DATA), EmailStatus.RETRYING, False),
        (1, SendFailure(450, "mailbox busy", SmtpStage.RCPT), EmailStatus.RETRYING, False),
        (2, SendFailure(452, "try later", SmtpStage.DATA), EmailStatus.FAILED, True),
        (0, SendFailure(550, "no such user", SmtpStage.RCPT), EmailStatus.FAILED, False),
        (1, SendFailure(554, "rejected", SmtpStage.DATA), EmailStatus.FAILED, False),
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
    first = after_failure(
        0, SendFailure(451, "x", SmtpStage.DATA), policy, now=NOW, rng=lambda: 0.0
    )
    third = after_failure(
        2, SendFailure(451, "x", SmtpStage.DATA), policy, now=NOW, rng=lambda: 0.0
    )
    assert first.next_attempt_at == NOW + timedelta(seconds=15)
    assert third.next_attempt_at == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(
    "failure",
    [
        SendFailure(None, "connection refused", SmtpStage.CONNECT),
        SendFailure(421, "closing", SmtpStage.DATA),
        SendFailure(554, "relay denied", SmtpStage.MAIL),
    ],
)
def test_a_server_failure_has_no_outcome(failure: SendFailure) -> None:
    with pytest.raises(ValueError, match="not an attempt"):
        after_failure(0, failure, POLICY, now=NOW, rng=lambda: 0.5)


@pytest.mark.parametrize(
    ("failure", "suppress"),
    [
        (SendFailure(550, "5.1.1 No such user", SmtpStage.RCPT), True),
        (SendFailure(551, "User not local", SmtpStage.RCPT), True),
        (SendFailure(553, "Mailbox name not allowed", SmtpStage.DATA), True),
        (SendFailure(554, "5.1.2 Bad destination system", SmtpStage.RCPT), True),
        (SendFailure(554, "5.7.1 Message rejected as spam", SmtpStage.DATA), False),
        (SendFailure(552, "5.3.4 Message too big", SmtpStage.DATA), False),
    ],
)
def test_a_permanent_failure_suppresses_only_an_unknown_mailbox(
    failure: SendFailure, suppress: bool
) -> None:
    outcome = after_failure(0, failure, POLICY, now=NOW, rng=lambda: 0.5)

    assert outcome.status is EmailStatus.FAILED
    assert outcome.suppress is suppress


def test_a_transient_failure_never_suppresses() -> None:
    outcome = after_failure(
        0, SendFailure(450, "5.1.1 looked up later", SmtpStage.RCPT), POLICY, now=NOW, rng=random
    )

    assert (outcome.status, outcome.suppress) == (EmailStatus.RETRYING, False)


@given(
    code=st.integers(min_value=200, max_value=599),
    stage=st.sampled_from(SmtpStage),
    detail=st.integers(min_value=0, max_value=999),
    text=st.text(max_size=30),
)
def test_mailbox_unavailable_is_550_551_553_or_5_1_x_to_rcpt_or_data(
    code: int, stage: SmtpStage, detail: int, text: str
) -> None:
    enhanced = f"5.1.{detail} {text}"

    plain = mailbox_unavailable(code, text, stage)
    with_status = mailbox_unavailable(code, enhanced, stage)

    to_message = stage in (SmtpStage.RCPT, SmtpStage.DATA)
    permanent = 500 <= code < 600
    assert with_status is (to_message and permanent)
    if not (to_message and permanent):
        assert plain is False
    elif code in (550, 551, 553):
        assert plain is True


def random() -> float:
    return 0.5


def test_error_text_is_bounded() -> None:
    outcome = after_failure(
        0, SendFailure(451, "x" * 10_000, SmtpStage.DATA), POLICY, now=NOW, rng=lambda: 0.5
    )
    assert outcome.error is not None
    assert len(outcome.error) <= 2000


@pytest.mark.parametrize(
    ("has_user", "is_alert", "reason"),
    [
        (False, False, ADDRESS_SUPPRESSED),
        (True, False, ADDRESS_SUPPRESSED),
        (False, True, None),
    ],
)
def test_a_suppressed_address_is_skipped_unless_the_email_is_an_alert(
    has_user: bool, is_alert: bool, reason: str | None
) -> None:
    assert (
        skip_reason(
            has_user=has_user,
            user_exists=True,
            notifications_enabled=True,
            deleted=False,
            suppressed=True,
            is_alert=is_alert,
        )
        == reason
    )


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
