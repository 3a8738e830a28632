"""CSRF tokens of the console's forms: one per session, derived from its nonce. Pure."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from sportify_monitor.console.session import Session

FIELD: Final = "csrf_token"


def token_for(session: Session, secret: bytes) -> str:
    return hmac.new(secret, f"csrf:{session.nonce}".encode(), hashlib.sha256).hexdigest()


def is_valid(given: str | None, session: Session, secret: bytes) -> bool:
    """Constant-time comparison; a missing token is never valid."""
    if not given or len(given) > 128:
        return False
    return hmac.compare_digest(given.encode(), token_for(session, secret).encode())
