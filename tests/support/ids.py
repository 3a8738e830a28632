from __future__ import annotations

from uuid import uuid4


def random_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid4().hex[:10]}@example.test"


def random_name(prefix: str = "User") -> str:
    return f"{prefix} {uuid4().hex[:6]}"
