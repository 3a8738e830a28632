"""Hostile text in a monitor alert never reaches an email header and is escaped in the HTML."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.alerts import raise_alert
from sportify_common.clock import utc_now
from sportify_common.emails.alert import Alert
from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import CRON, collector, running_monitor
from tests.support.job_factories import insert_job_run

INJECTION = "\r\nBcc: x@y\r\n<script>alert(1)</script>"
HOSTILE_TITLE = f"Disk full{INJECTION}"
HOSTILE_JOB_NAME = f"weekly-events{INJECTION}"


def alert_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"alert_email": "ops@example.test", "events_trigger_wait_seconds": 0.05}
    )


def assert_header_safe(email: dict[str, Any]) -> None:
    fields = [email["subject"], email["recipient"], email["idempotencyKey"]]
    fields += [f"{name}: {value}" for name, value in (email.get("headers") or {}).items()]
    for value in fields:
        assert "\r" not in value, value
        assert "\n" not in value, value
    assert "Bcc" not in "".join(f"{k}" for k in (email.get("headers") or {}))


def assert_html_escaped(email: dict[str, Any]) -> None:
    assert "<script>" not in email["bodyHtml"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email["bodyHtml"]


async def test_a_hostile_alert_title_and_body_stay_out_of_headers_and_are_escaped(
    settings: Settings,
) -> None:
    settings = alert_settings(settings)
    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        running_monitor(settings, clock=utc_now) as (monitor, _client),
    ):
        queued = await raise_alert(
            monitor,
            Alert(title=HOSTILE_TITLE, what_happened=f"details{INJECTION}", error=INJECTION),
            now=utc_now(),
        )
        email = await asyncio.wait_for(emails.get(), timeout=10)

    assert queued is True
    assert email["subject"].startswith("[Sportify Alert] Disk full")
    assert_header_safe(email)
    assert_html_escaped(email)


async def test_a_stuck_run_with_a_hostile_job_name_yields_a_safe_cleanup_alert(
    settings: Settings, engine: AsyncEngine
) -> None:
    settings = alert_settings(settings)
    now = utc_now()
    await insert_job_run(
        engine,
        job_name=HOSTILE_JOB_NAME,
        status="running",
        scheduled_for=now - timedelta(days=1),
        created_at=now - timedelta(hours=5),
        started_at=now - timedelta(hours=5),
    )
    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        running_monitor(settings, clock=utc_now) as (_monitor, client),
    ):
        response = await client.post("/api/events/cleanup", headers=CRON)
        email = await asyncio.wait_for(emails.get(), timeout=10)

    assert response.status_code == 200
    assert response.json()["cleaned"] == 1
    assert email["subject"].startswith("[Sportify Alert] Stuck jobs cleaned up: weekly-events")
    assert_header_safe(email)
    assert_html_escaped(email)
