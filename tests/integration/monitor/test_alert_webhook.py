"""The services' own alerts also POST to ALERT_WEBHOOK_URL (SPEC 14): the JSON, a retry after a
500, the same de-duplication as the email, and a webhook alone (no email recipient) suffices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from tests.integration.monitor.conftest import ADMIN, collector, monitor_client
from tests.support.webhook import WebhookReceiver


@pytest.fixture
def flaky_receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(fail_first=1).start()
    yield server
    server.stop()


async def test_an_alert_reaches_the_webhook_after_a_500_and_is_not_posted_again(
    settings: Settings, flaky_receiver: WebhookReceiver
) -> None:
    settings = settings.model_copy(
        update={"alert_email": "ops@example.test", "alert_webhook_url": flaky_receiver.url}
    )

    async with (
        collector(settings, RoutingKey.EMAIL_REQUESTED) as emails,
        monitor_client(settings) as client,
    ):
        first = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)
        posted = await flaky_receiver.wait_for(1)
        again = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)
        email = await asyncio.wait_for(emails.get(), timeout=10)

    assert first.json()["queued"] is True
    assert again.json() == {"status": "ok", "queued": False, "reason": "deduplicated"}
    assert flaky_receiver.tries() == 2  # the 500, then the retry; the duplicate never posted
    assert posted == [
        {
            "title": "Test alert",
            "text": posted[0]["text"],
            "severity": "info",
            "jobRunId": None,
            "url": None,
        }
    ]
    assert "What happened: This is a test alert" in posted[0]["text"]
    assert email["subject"] == "[Sportify Alert] Test alert"
    assert emails.empty()


async def test_a_webhook_without_an_email_recipient_still_gets_the_alert(
    settings: Settings, flaky_receiver: WebhookReceiver
) -> None:
    flaky_receiver.fail_first = 0
    settings = settings.model_copy(update={"alert_webhook_url": flaky_receiver.url})

    async with monitor_client(settings) as client:
        response = await client.post("/api/admin/monitoring/test-alert", headers=ADMIN)
        posted = await flaky_receiver.wait_for(1)

    assert response.json()["queued"] is True
    assert posted[0]["title"] == "Test alert"
