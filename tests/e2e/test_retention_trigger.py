"""`sportify trigger retention` through the monitor's API to the mailer, as processes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.settings import Settings, load_settings
from sportify_common.vocabulary import EmailStatus
from tests.support.mail_factories import insert_emails
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e


async def test_sportify_trigger_retention_runs_the_job_and_prints_its_counts(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = load_settings(
        **{**settings.model_dump(), "smtp_host": "127.0.0.1", "smtp_port": sink.port}
    )
    now = utc_now()
    await insert_emails(engine, 4, status=EmailStatus.SENT, created_at=now - timedelta(days=200))
    await insert_emails(engine, 3, status=EmailStatus.SKIPPED, created_at=now - timedelta(days=40))
    # Owed rows are kept at any age. They are not due yet: the mailer, started below, would
    # otherwise send them (a pending row is due at once) and retention then delete them.
    await insert_emails(
        engine,
        2,
        status=EmailStatus.RETRYING,
        attempts=1,
        created_at=now - timedelta(days=200),
        next_attempt_at=now + timedelta(days=1),
    )
    env = settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0")
    stack = service_stack(env)
    stack.start("mailer")
    stack.start("monitor")
    await stack.wait_ready()

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sportify_cli.cli",
        "trigger",
        "retention",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 0, stderr.decode()
    assert json.loads(stdout) == {
        "status": "ok",
        "emailBodiesCleared": 3,
        "emailsDeleted": 4,
        "jobRunsDeleted": 0,
        "suppressionsDeleted": 0,
        "auditDeleted": 0,
    }
    async with engine.connect() as conn:
        run = (
            await conn.execute(
                text("select status, metadata from job_runs where job_name = 'retention'")
            )
        ).one()
        left = (await conn.execute(text("select count(*) from email_queue"))).scalar_one()
    assert run.status == "completed"
    assert run.metadata["trigger"] == "http"
    assert left == 5
