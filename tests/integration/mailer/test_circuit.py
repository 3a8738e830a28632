"""The SMTP circuit in the running mailer: a relay that refuses AUTH or MAIL FROM fails nothing,
opens the circuit, raises one alert (webhook and queued email), and once fixed everything goes
out, the alert with them (claimed first, it is in the first batch)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from faststream.asgi import AsgiFastStream
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import publish
from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from sportify_mailer.app import create_app
from tests.integration.mailer.test_app import client
from tests.support.mail_factories import email_requested, email_rows
from tests.support.smtp import RelayHandler, SmtpSink
from tests.support.webhook import WebhookReceiver

SUMMARIES = 3


@asynccontextmanager
async def mailer(settings: Settings) -> AsyncIterator[AsgiFastStream]:
    app = create_app(settings)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def circuit_gauge(app: AsgiFastStream) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mailer") as http:
        response = await http.get("/metrics")
    lines = [
        line
        for line in response.text.splitlines()
        if line.startswith("sportify_smtp_circuit_open ")
    ]
    assert len(lines) == 1, response.text[:500]
    return lines[0].split()[1]


async def _get(app: AsgiFastStream, path: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mailer") as http:
        return (await http.get(path)).status_code


async def until(probe: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> float:
    """Poll until `probe` is true; returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if await probe():
            return time.monotonic() - began
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def failed_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select count(*) from email_queue where status = 'failed' or attempts > 0")
        )
        return int(result.scalar_one())


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.mark.parametrize(
    ("auth_reply", "mail_reply"),
    [
        ("530 5.7.0 Authentication required", None),
        (None, "554 5.7.1 Relay access denied"),
    ],
    ids=["530-to-auth", "554-to-mail-from"],
)
async def test_a_refusing_relay_fails_nothing_opens_the_circuit_and_alerts_once(
    settings: Settings,
    engine: AsyncEngine,
    webhook: WebhookReceiver,
    auth_reply: str | None,
    mail_reply: str | None,
) -> None:
    handler = RelayHandler(auth_reply=auth_reply, mail_reply=mail_reply)
    relay = SmtpSink(handler).start()
    mail_settings = load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": relay.port,
            "smtp_user": "mailer@example.test",
            "smtp_pass": SecretStr("not-the-password"),
            "alert_email": "ops@example.test",
            "alert_webhook_url": webhook.url,
            "smtp_probe_max_seconds": 5.0,
            "email_retry_poll_seconds": 0.5,
        }
    )
    topology = Topology(mail_settings.amqp_namespace, mail_settings.message_max_deliveries)
    try:
        async with mailer(mail_settings) as app, client(mail_settings) as broker:
            for _ in range(SUMMARIES):
                await publish(broker, topology, RoutingKey.EMAIL_REQUESTED, email_requested())

            async def alert_queued() -> bool:
                rows = await email_rows(engine)
                return len(rows) == SUMMARIES + 1 and len(webhook.received()) == 1

            await until(alert_queued, timeout=20, what="the alert row and the webhook")
            open_gauge = await circuit_gauge(app)
            health = await _get(app, "/healthz")
            await asyncio.sleep(6)  # past the first probe (and, for 554, a send after it)
            rows_while_open = await email_rows(engine)
            failed_while_open = await failed_rows(engine)

            handler.auth_reply = None
            handler.mail_reply = None

            async def all_sent() -> bool:
                rows = await email_rows(engine)
                return len(relay.messages) >= SUMMARIES + 1 and all(
                    r["status"] == "sent" for r in rows
                )

            took = await until(all_sent, timeout=30, what="every email sent")
            closed_gauge = await circuit_gauge(app)
            rows_after = await email_rows(engine)
    finally:
        relay.stop()

    assert open_gauge == "1.0"
    assert health == 204  # working as designed (the broker answers)
    assert closed_gauge == "0.0"
    assert failed_while_open == 0
    assert {(r["kind"], r["status"], r["attempts"]) for r in rows_while_open} == {
        ("weekly-summary", "pending", 0),
        ("alert", "pending", 0),
    }
    assert all(r["error"] is None for r in rows_while_open)
    (hook,) = webhook.received()
    assert set(hook) == {"title", "text", "severity", "jobRunId", "url"}
    assert "SMTP server" in hook["title"]
    assert hook["severity"] == "critical"
    assert (auth_reply or mail_reply or "")[:3] in hook["text"]
    assert took < 15
    alerts = [m for m in relay.messages if str(m["Subject"]).startswith("[Sportify Alert]")]
    assert len(alerts) == 1
    assert "SMTP server" in str(alerts[0]["Subject"])
    assert str(alerts[0]["To"]) == "ops@example.test"
    assert {r["status"] for r in rows_after} == {"sent"}
    assert {r["attempts"] for r in rows_after} == {1}
