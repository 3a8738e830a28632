"""Signed unsubscribe tokens (RFC 8058 links). Pure: HMAC-SHA256 over user, kind and expiry.

A token names the summary kind its email was (SPEC 12.6): `u2.<user>.<w|m>.<expiry>.<mac>`.
Tokens of the first form, `u1.<user>.<expiry>.<mac>`, are still in emails already sent and
still verify: they name no kind (`kind` None), which the unsubscribe page reads as "all
summaries", as their one-click always meant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sportify_common.vocabulary import EmailKind

_KIND_CODES: dict[EmailKind, str] = {
    EmailKind.WEEKLY_SUMMARY: "w",
    EmailKind.MONTHLY_SUMMARY: "m",
}
_CODE_KINDS = {code: kind for kind, code in _KIND_CODES.items()}
MAX_TOKEN_LENGTH = 200


class TokenError(ValueError):
    """The token is malformed, forged or tampered with."""


class TokenExpiredError(TokenError):
    """The token was genuine but its time is up."""


@dataclass(frozen=True, slots=True)
class UnsubscribeClaim:
    user_id: UUID
    expires_at: int
    kind: EmailKind | None = None
    """The summary kind the token's email was; None for a token of the first form (all)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign_unsubscribe(
    user_id: UUID, secret: str, *, expires_at: datetime, kind: EmailKind | None = None
) -> str:
    """A token for `kind` (a summary kind); without one, the first form (all summaries)."""
    expiry = int(expires_at.timestamp())
    if kind is None:
        payload = f"u1.{user_id.hex}.{expiry}"
    else:
        if kind not in _KIND_CODES:
            raise ValueError(f"{kind} is not a summary kind")
        payload = f"u2.{user_id.hex}.{_KIND_CODES[kind]}.{expiry}"
    return f"{payload}.{_mac(payload, secret)}"


def verify_unsubscribe(token: str, secret: str, *, now: datetime) -> UnsubscribeClaim:
    """Raises TokenExpiredError for a genuine, expired token, TokenError for any other."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("token is too long")
    parts = token.split(".")
    if not ((len(parts) == 4 and parts[0] == "u1") or (len(parts) == 5 and parts[0] == "u2")):
        raise TokenError("token is malformed")
    payload, signature = ".".join(parts[:-1]), parts[-1]
    # The signature's canonical text is compared, not its decoded bytes: base64 ignores the
    # unused low bits of the last character, so a changed last character could still decode
    # to the same bytes and verify.
    if not hmac.compare_digest(_mac(payload, secret).encode(), signature.encode()):
        raise TokenError("token signature does not match")
    kind = None
    if parts[0] == "u2":
        kind = _CODE_KINDS.get(parts[2])
        if kind is None:
            raise TokenError("token is malformed")
    try:
        user_id = UUID(hex=parts[1])
        expires_at = int(parts[-2])
    except ValueError as exc:
        raise TokenError("token is malformed") from exc
    if expires_at < now.timestamp():
        raise TokenExpiredError("token has expired")
    return UnsubscribeClaim(user_id, expires_at, kind)
