"""Bearer-token checks for the cron and admin endpoints (SPEC 5). Pure: no I/O, no framework."""

from __future__ import annotations

import secrets
from enum import StrEnum

_SCHEME = "bearer"
_MAX_HEADER = 4096


class AuthResult(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"
    UNCONFIGURED = "unconfigured"


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when absent or malformed."""
    if not header or len(header) > _MAX_HEADER:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != _SCHEME or not token:
        return None
    return token


def check_bearer(header: str | None, secret: str | None) -> AuthResult:
    """Compare in constant time. No secret configured means closed, never open."""
    if not secret:
        return AuthResult.UNCONFIGURED
    token = bearer_token(header)
    if token is None:
        return AuthResult.MISSING
    if secrets.compare_digest(token.encode(), secret.encode()):
        return AuthResult.OK
    return AuthResult.WRONG
