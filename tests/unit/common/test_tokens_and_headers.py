from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, strategies as st

from sportify_common.emails.headers import list_unsubscribe_headers, safe_header_value
from sportify_common.tokens import TokenError, sign_unsubscribe, verify_unsubscribe

NOW = datetime(2026, 11, 30, tzinfo=UTC)
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SECRET = "unsubscribe-secret"


def test_a_signed_token_verifies_to_its_user() -> None:
    user = uuid4()
    token = sign_unsubscribe(user, SECRET, expires_at=NOW + timedelta(days=60))

    assert verify_unsubscribe(token, SECRET, now=NOW).user_id == user


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = sign_unsubscribe(uuid4(), "other", expires_at=NOW + timedelta(days=1))

    with pytest.raises(TokenError, match="signature"):
        verify_unsubscribe(token, SECRET, now=NOW)


def test_a_token_for_another_user_with_the_old_signature_is_refused() -> None:
    token = sign_unsubscribe(uuid4(), SECRET, expires_at=NOW + timedelta(days=1))
    prefix, _user, expiry, mac = token.split(".")
    forged = ".".join([prefix, uuid4().hex, expiry, mac])

    with pytest.raises(TokenError):
        verify_unsubscribe(forged, SECRET, now=NOW)


def test_an_expired_token_is_refused() -> None:
    token = sign_unsubscribe(uuid4(), SECRET, expires_at=NOW - timedelta(seconds=1))

    with pytest.raises(TokenError, match="expired"):
        verify_unsubscribe(token, SECRET, now=NOW)


@given(garbage=st.text(max_size=300))
def test_garbage_is_refused_with_a_token_error(garbage: str) -> None:
    with pytest.raises(TokenError):
        verify_unsubscribe(garbage, SECRET, now=NOW)


@given(index=st.integers(0, 200), replacement=st.characters(min_codepoint=33, max_codepoint=126))
def test_any_changed_character_invalidates_the_token(index: int, replacement: str) -> None:
    token = sign_unsubscribe(uuid4(), SECRET, expires_at=NOW + timedelta(days=1))
    position = index % len(token)
    tampered = token[:position] + replacement + token[position + 1 :]

    if tampered != token:
        with pytest.raises(TokenError):
            verify_unsubscribe(tampered, SECRET, now=NOW)


@pytest.mark.parametrize("replacement", sorted(set(_B64_ALPHABET)))
def test_any_other_last_character_of_the_signature_is_refused(replacement: str) -> None:
    # The last base64 character carries unused low bits: decoding alone would accept some
    # changed last characters as the same signature.
    token = sign_unsubscribe(uuid4(), SECRET, expires_at=NOW + timedelta(days=1))
    tampered = token[:-1] + replacement

    if tampered == token:
        assert verify_unsubscribe(tampered, SECRET, now=NOW).expires_at > 0
    else:
        with pytest.raises(TokenError, match="signature"):
            verify_unsubscribe(tampered, SECRET, now=NOW)


@given(value=st.text(max_size=2000))
def test_a_safe_header_value_never_contains_a_line_break(value: str) -> None:
    safe = safe_header_value(value)

    assert "\r" not in safe
    assert "\n" not in safe
    assert len(safe) <= 900


def test_a_display_name_with_crlf_cannot_start_a_new_header() -> None:
    assert safe_header_value("Eve\r\nBcc: victim@example.test") == "Eve Bcc: victim@example.test"


def test_the_unsubscribe_headers_follow_rfc_8058() -> None:
    headers = list_unsubscribe_headers("https://ops.example/api/unsubscribe?token=abc")

    assert headers == {
        "List-Unsubscribe": "<https://ops.example/api/unsubscribe?token=abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
