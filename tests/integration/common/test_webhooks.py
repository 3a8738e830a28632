"""The alert webhook sender against a real local HTTP receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from sportify_common.settings import AlertSettings, SettingsError, load_settings_for
from sportify_common.webhooks import WebhookAlert, post_alert
from tests.support.smtp import free_port
from tests.support.webhook import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


async def test_an_alert_is_posted_as_the_spec_14_json(receiver: WebhookReceiver) -> None:
    alert = WebhookAlert(title="t", text="x", severity="critical", job_run_id="r", url="u")

    posted = await post_alert(receiver.url, alert)

    assert posted is True
    assert receiver.received() == [
        {"title": "t", "text": "x", "severity": "critical", "jobRunId": "r", "url": "u"}
    ]


async def test_a_receiver_that_fails_first_is_retried() -> None:
    calls: list[int] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(1)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(503 if len(calls) == 1 else 200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        posted = await post_alert(
            f"http://127.0.0.1:{server.server_address[1]}/",
            WebhookAlert(title="t", text="x"),
            first_retry_seconds=0.01,
        )
    finally:
        server.shutdown()
        server.server_close()

    assert posted is True
    assert len(calls) == 2


async def test_an_unreachable_receiver_gives_up_without_raising() -> None:
    began = time.monotonic()

    posted = await post_alert(
        f"http://127.0.0.1:{free_port()}/",
        WebhookAlert(title="t", text="x"),
        attempts=2,
        first_retry_seconds=0.01,
        timeout=1,
    )

    assert posted is False
    assert time.monotonic() - began < 5


async def test_a_url_that_is_not_http_is_never_opened() -> None:
    assert await post_alert("file:///etc/passwd", WebhookAlert(title="t", text="x")) is False


def test_a_malformed_alert_webhook_url_stops_the_service_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="ALERT_WEBHOOK_URL"):
        load_settings_for(AlertSettings, alert_webhook_url="ftp://example.test/hook")
