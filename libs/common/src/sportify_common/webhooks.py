"""The alert webhook (SPEC 14): a JSON POST to ALERT_WEBHOOK_URL that Slack-compatible
receivers accept, `{"title", "text", "severity", "jobRunId", "url"}`.

The standard library's urllib runs in a thread, each try with a short timeout, retried with
back-off; a failure is logged and reported as False, never raised, so whoever raises the alert
never waits on or fails because of the receiver (run it in a task of its own).
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sportify_common.emails.alert import Severity

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
ATTEMPTS = 3
FIRST_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class WebhookAlert:
    title: str
    text: str
    severity: Severity = "warning"
    job_run_id: str | None = None
    url: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "text": self.text,
            "severity": self.severity,
            "jobRunId": self.job_run_id,
            "url": self.url,
        }


def is_webhook_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _post(url: str, body: bytes, timeout: float) -> int:
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "sportify-ops"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
        return int(response.status)


async def post_alert(
    url: str,
    alert: WebhookAlert,
    *,
    timeout: float = TIMEOUT_SECONDS,
    attempts: int = ATTEMPTS,
    first_retry_seconds: float = FIRST_RETRY_SECONDS,
) -> bool:
    """POST `alert` to `url`; True once the receiver answered 2xx. Never raises (but a
    cancellation)."""
    if not is_webhook_url(url):
        logger.error("alert %r not posted: ALERT_WEBHOOK_URL is not an http(s) URL", alert.title)
        return False
    body = json.dumps(alert.payload()).encode()
    delay = first_retry_seconds
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            status = await asyncio.to_thread(_post, url, body, timeout)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = str(exc)
        else:
            if 200 <= status < 300:
                return True
            problem = f"HTTP {status}"
        logger.warning(
            "alert webhook try %d of %d for %r failed: %s", attempt, attempts, alert.title, problem
        )
        if attempt < attempts:
            await asyncio.sleep(delay)
            delay *= 2
    logger.error("alert %r not posted to the webhook after %d tries", alert.title, attempts)
    return False
