"""The console's session cookie: signed, expiring, carrying who signed in. Pure: no I/O.

The value is `<payload>.<signature>`: the payload is base64url JSON `{"a": actor, "n": nonce,
"e": expiry}`, the signature HMAC-SHA256 over the payload with the console secret. The nonce
is random per sign-in; the CSRF token is derived from it (`csrf.py`), so every session has its
own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

COOKIE_NAME: Final = "sportify_ops"
LIFETIME: Final = timedelta(hours=12)
MAX_COOKIE: Final = 2048
DEFAULT_CONSOLE_ACTOR: Final = "console"
MAX_NAME: Final = 100


@dataclass(frozen=True, slots=True)
class Session:
    actor: str
    nonce: str
    expires: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def actor_of(name: str | None) -> str:
    """Who the audit log names for this console user: `console`, or `console:<name>`."""
    given = (name or "").strip()
    if not given:
        return DEFAULT_CONSOLE_ACTOR
    cleaned = "".join(ch for ch in given if ch.isprintable())[:MAX_NAME]
    return f"{DEFAULT_CONSOLE_ACTOR}:{cleaned}" if cleaned else DEFAULT_CONSOLE_ACTOR


def new_session(actor: str, now: datetime) -> Session:
    return Session(actor=actor, nonce=secrets.token_urlsafe(16), expires=now + LIFETIME)


def encode(session: Session, secret: bytes) -> str:
    body = {"a": session.actor, "n": session.nonce, "e": int(session.expires.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_sign(payload, secret)}"


def decode(value: str | None, secret: bytes, now: datetime) -> Session | None:
    """The session of a cookie value, or None when absent, forged, malformed or expired."""
    if not value or len(value) > MAX_COOKIE or not value.isascii():
        return None
    payload, dot, signature = value.partition(".")
    if not dot or not hmac.compare_digest(signature.encode(), _sign(payload, secret).encode()):
        return None
    try:
        body = json.loads(_unb64(payload))
        actor, nonce, expiry = body["a"], body["n"], body["e"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(actor, str) and isinstance(nonce, str) and isinstance(expiry, int)):
        return None
    expires = datetime.fromtimestamp(expiry, tz=now.tzinfo)
    if expires <= now:
        return None
    return Session(actor=actor, nonce=nonce, expires=expires)
