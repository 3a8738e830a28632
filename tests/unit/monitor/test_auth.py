from __future__ import annotations

import pytest

from sportify_monitor.auth import AuthResult, bearer_token, check_bearer


def test_the_configured_secret_as_bearer_token_is_accepted() -> None:
    assert check_bearer("Bearer s3cret", "s3cret") is AuthResult.OK


def test_the_scheme_is_case_insensitive() -> None:
    assert check_bearer("bearer s3cret", "s3cret") is AuthResult.OK


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic s3cret", "s3cret"])
def test_absent_or_malformed_headers_are_missing_credentials(header: str | None) -> None:
    assert check_bearer(header, "s3cret") is AuthResult.MISSING


@pytest.mark.parametrize("token", ["wrong", "s3cre", "s3crett", "S3CRET"])
def test_a_different_token_is_wrong(token: str) -> None:
    assert check_bearer(f"Bearer {token}", "s3cret") is AuthResult.WRONG


@pytest.mark.parametrize("secret", [None, ""])
def test_no_configured_secret_keeps_the_endpoint_closed(secret: str | None) -> None:
    assert check_bearer("Bearer anything", secret) is AuthResult.UNCONFIGURED


def test_an_oversized_header_is_not_parsed() -> None:
    assert bearer_token("Bearer " + "x" * 5000) is None
