"""A stuck run is cleaned up over HTTP and its alert email arrives at the SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.settings import Settings, load_settings
from tests.support.job_factories import insert_job_run
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e


async def test_a_stuck_run_is_failed_and_the_alert_email_is_delivered(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "alert_email": "ops@example.test",
        }
    )
    now = utc_now()
    stuck = await insert_job_run(
        engine,
        job_name="weekly-events",
        status="running",
        scheduled_for=now - timedelta(hours=3),
        created_at=now - timedelta(hours=3),
        started_at=now - timedelta(hours=2),
        metadata={"trigger": "cron", "attempt": 1},
    )
    stack = service_stack(settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0"))
    stack.start("mailer")
    stack.start("monitor")
    await stack.wait_ready()

    response = await stack.post("/api/events/cleanup")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["cleaned"] == 1
    assert [job["id"] for job in body["jobs"]] == [str(stuck)]
    (alert,) = await sink.wait_for(1)
    assert str(alert["To"]) == "ops@example.test"
    assert str(alert["Subject"]).startswith("[Sportify Alert] ")
    async with engine.connect() as conn:
        run = (
            await conn.execute(
                text("select status, metadata from job_runs where id = :id"), {"id": stuck}
            )
        ).one()
    assert run.status == "failed"
    assert "cleanup_reason" in run.metadata
