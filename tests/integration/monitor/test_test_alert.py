"""POST /api/admin/monitoring/test-alert queues `[Sportify Alert] Test alert`, deduplicated."""

from __future__ import annotations

import asyncio

from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import ADMIN, collector, monitor_client


async def test_the_test_alert_is_queued_once_within_the_dedup_window(settings: Settings) -> None:
    settings = settings.model_copy(update={"alert_email": "ops@example.test"})

    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        monitor_client(settings) as client,
    ):
        first = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)
        second = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)
        email = await asyncio.wait_for(emails.get(), timeout=10)

    assert first.json() == {"status": "ok", "queued": True, "reason": None}
    assert second.json() == {"status": "ok", "queued": False, "reason": "deduplicated"}
    assert email["subject"] == "[Sportify Alert] Test alert"
    assert email["recipient"] == "ops@example.test"


async def test_without_a_recipient_the_test_alert_is_not_queued(settings: Settings) -> None:
    async with monitor_client(settings) as client:
        response = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)

    assert response.json() == {"status": "ok", "queued": False, "reason": "no-alert-recipient"}
