"""The console's session cookie, CSRF tokens and sign-in rate limit (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sportify_monitor.console import csrf, session
from sportify_monitor.console.signin_limit import SignInLimiter

KEY = b"k" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_cookie_round_trips_until_it_expires_after_12_hours() -> None:
    issued = session.new_session("console:Ana", NOW)
    value = session.encode(issued, KEY)
    decoded = session.decode(value, KEY, NOW + timedelta(hours=11, minutes=59))
    assert decoded is not None
    assert (decoded.actor, decoded.nonce) == ("console:Ana", issued.nonce)
    assert session.decode(value, KEY, NOW + timedelta(hours=12)) is None


def test_a_forged_or_malformed_cookie_is_no_session() -> None:
    value = session.encode(session.new_session("console", NOW), KEY)
    payload, _, signature = value.partition(".")
    assert session.decode(value, b"other-key", NOW) is None
    assert session.decode(payload + "x." + signature, KEY, NOW) is None
    assert session.decode(payload, KEY, NOW) is None
    for junk in ("", "a.b", "é.é", "x" * 5000, None):
        assert session.decode(junk, KEY, NOW) is None


def test_the_actor_is_console_or_console_and_the_name_typed_at_sign_in() -> None:
    assert session.actor_of(None) == "console"
    assert session.actor_of("   ") == "console"
    assert session.actor_of(" Ana ") == "console:Ana"
    assert session.actor_of("Eve\r\nBcc: x") == "console:EveBcc: x"
    assert len(session.actor_of("n" * 500)) == len("console:") + session.MAX_NAME


def test_the_csrf_token_belongs_to_its_session() -> None:
    first = session.new_session("console", NOW)
    second = session.new_session("console", NOW)
    token = csrf.token_for(first, KEY)
    assert csrf.is_valid(token, first, KEY)
    assert not csrf.is_valid(token, second, KEY)
    assert not csrf.is_valid(token, first, b"other-key")
    assert not csrf.is_valid("", first, KEY)
    assert not csrf.is_valid(None, first, KEY)


def test_five_failures_a_minute_block_the_address_until_the_window_passes() -> None:
    limiter = SignInLimiter()
    for second in range(5):
        assert not limiter.blocked("10.0.0.1", float(second))
        limiter.failed("10.0.0.1", float(second))
    assert limiter.blocked("10.0.0.1", 5.0)
    assert not limiter.blocked("10.0.0.2", 5.0)  # per address
    assert limiter.retry_after("10.0.0.1", 5.0) == 56
    assert not limiter.blocked("10.0.0.1", 60.5)  # the first failure left the window


def test_a_success_forgets_the_failures() -> None:
    limiter = SignInLimiter()
    for second in range(4):
        limiter.failed("10.0.0.1", float(second))
    limiter.succeeded("10.0.0.1")
    limiter.failed("10.0.0.1", 5.0)
    assert not limiter.blocked("10.0.0.1", 5.0)
