"""Signed one-click unsubscribe tokens (RFC 8058 links). Pure: HMAC-SHA256 over user and expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


class TokenError(ValueError):
    """The token is malformed, forged, tampered with or expired."""


@dataclass(frozen=True, slots=True)
class UnsubscribeClaim:
    user_id: UUID
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign_unsubscribe(user_id: UUID, secret: str, *, expires_at: datetime) -> str:
    payload = f"u1.{user_id.hex}.{int(expires_at.timestamp())}"
    return f"{payload}.{_mac(payload, secret)}"


def verify_unsubscribe(token: str, secret: str, *, now: datetime) -> UnsubscribeClaim:
    if len(token) > 200:
        raise TokenError("token is too long")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != "u1":
        raise TokenError("token is malformed")
    payload = ".".join(parts[:3])
    # The signature's canonical text is compared, not its decoded bytes: base64 ignores the
    # unused low bits of the last character, so a changed last character could still decode
    # to the same bytes and verify.
    if not hmac.compare_digest(_mac(payload, secret).encode(), parts[3].encode()):
        raise TokenError("token signature does not match")
    try:
        user_id = UUID(hex=parts[1])
        expires_at = int(parts[2])
    except ValueError as exc:
        raise TokenError("token is malformed") from exc
    if expires_at < now.timestamp():
        raise TokenError("token has expired")
    return UnsubscribeClaim(user_id, expires_at)
