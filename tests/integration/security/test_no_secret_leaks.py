"""No secret reaches a log line, a response, /metrics, a message, job metadata or email_queue.

Distinctive secrets are configured, every endpoint is exercised (triggers answered by
stand-in aggregator and mailer consumers, admin endpoints, the test alert, a cleanup that
cleans and alerts, unsubscribe, and refused attempts that carry a real secret to the wrong
endpoint), with every logger at DEBUG. Then everything observable is searched for them.
The database password cannot be set here (the test server trusts local connections).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from faststream.rabbit import RabbitBroker
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.job_results import (
    EmailSummary,
    FailedResult,
    JobError,
    JobResult,
    evaluation_result,
)
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import JobFinished, RoutingKey
from sportify_common.settings import Settings
from sportify_common.tokens import sign_unsubscribe
from sportify_common.vocabulary import EVALUATED_BY_JOB, EmailStatus
from tests.integration.monitor.conftest import Handler, monitor_client, publish_message, stand_in
from tests.support.job_factories import insert_job_run, insert_user

CRON_SECRET = "cron-7Hq2vX-LEAK-CANARY-a1"
ADMIN_TOKEN = "admin-9Zx4pR-LEAK-CANARY-b2"
SMTP_PASS = "smtp-3Kp8dQ-LEAK-CANARY-c3"
UNSUBSCRIBE_SECRET = "unsub-5Wm1tY-LEAK-CANARY-d4"
SECRETS = (CRON_SECRET, ADMIN_TOKEN, SMTP_PASS, UNSUBSCRIBE_SECRET)
CRON = {"Authorization": f"Bearer {CRON_SECRET}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def secret_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "cron_secret": SecretStr(CRON_SECRET),
            "admin_api_token": SecretStr(ADMIN_TOKEN),
            "smtp_pass": SecretStr(SMTP_PASS),
            "smtp_user": "ops-user@example.test",
            "unsubscribe_secret": SecretStr(UNSUBSCRIBE_SECRET),
            "alert_email": "ops@example.test",
            "events_trigger_wait_seconds": 10.0,
        }
    )


def finisher(engine: AsyncEngine, settings: Settings, *, fail: bool) -> Handler:
    """Plays the aggregator or mailer: runs the claimed run, then publishes job.finished."""

    async def handle(body: dict[str, Any], broker: RabbitBroker) -> None:
        run_id = UUID(body["jobRunId"])
        now = utc_now()
        async with engine.begin() as conn:
            run = await jobs.start(conn, run_id, now=now)
            assert run is not None
            result: JobResult
            if fail:
                await jobs.fail(conn, run_id, now=now, error_type="boom", message="it broke")
                result = FailedResult(
                    job_run_id=run_id, error=JobError(type="boom", message="it broke")
                )
            else:
                result = evaluation_result(
                    EVALUATED_BY_JOB[JobName(run.job_name)],
                    job_run_id=run_id,
                    processed_users=0,
                    start=body["periodStart"],
                    end=body["periodEnd"],
                    email_summary=EmailSummary(queued=0, skipped={}),
                    email_results=[],
                )
                await jobs.complete(conn, run_id, now=now, result=result.to_wire())
        finished = JobFinished(
            job_run_id=run_id,
            job_name=run.job_name,
            status=JobStatus.FAILED if fail else JobStatus.COMPLETED,
            result=result,
        )
        await publish_message(broker, settings, RoutingKey.JOB_FINISHED, finished)

    return handle


def mail_store(engine: AsyncEngine, published: list[str]) -> Handler:
    """Plays the mailer's intake: email.requested becomes an email_queue row."""

    async def handle(body: dict[str, Any], _broker: RabbitBroker) -> None:
        published.append(json.dumps(body))
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    """
                    insert into email_queue (id, idempotency_key, recipient, user_id, kind,
                        locale, subject, body_text, body_html, status, attempts,
                        failed_after_retries, next_attempt_at, created_at, updated_at)
                    values (:id, :key, :recipient, null, :kind, :locale, :subject, :text,
                            :html, :status, 0, false, now(), now(), now())
                    on conflict (idempotency_key) do nothing
                    """
                ),
                {
                    "id": uuid4(),
                    "key": body["idempotencyKey"],
                    "recipient": body["recipient"],
                    "kind": body["kind"],
                    "locale": body["locale"],
                    "subject": body["subject"],
                    "text": body["bodyText"],
                    "html": body["bodyHtml"],
                    "status": EmailStatus.PENDING.value,
                },
            )

    return handle


def recorder(published: list[str]) -> Handler:
    async def handle(body: dict[str, Any], _broker: RabbitBroker) -> None:
        published.append(json.dumps(body))

    return handle


@asynccontextmanager
async def stand_ins(
    settings: Settings, engine: AsyncEngine, published: list[str]
) -> AsyncIterator[None]:
    async with (
        stand_in(
            settings,
            {
                RoutingKey.PERIOD_CLOSED: finisher(engine, settings, fail=False),
                RoutingKey.EMAILS_DISPATCH: finisher(engine, settings, fail=True),
                RoutingKey.EMAIL_REQUESTED: mail_store(engine, published),
            },
        ),
        stand_in(
            settings,
            {key: recorder(published) for key in RoutingKey if key != RoutingKey.EMAIL_REQUESTED},
        ),
    ):
        yield


async def exercise(client: httpx.AsyncClient, engine: AsyncEngine) -> list[httpx.Response]:
    user = await insert_user(engine)
    now = utc_now()
    await insert_job_run(
        engine,
        job_name="weekly-events",
        status="running",
        scheduled_for=now - timedelta(days=3),
        created_at=now - timedelta(hours=3),
        started_at=now - timedelta(hours=3),
    )
    token = sign_unsubscribe(user, UNSUBSCRIBE_SECRET, expires_at=now + timedelta(days=1))
    calls: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
        ("POST", "/api/events/weekly", {}, CRON),
        ("POST", "/api/events/weekly", {}, CRON),  # skipped: already completed
        ("POST", "/api/events/monthly", {"month": "2026-01"}, CRON),
        ("POST", "/api/events/emails/dispatch", {"limit": "5"}, CRON),  # the run fails
        ("POST", "/api/events/cleanup", {}, CRON),  # cleans the stuck run, raises an alert
        ("POST", "/api/admin/monitoring/cleanup-jobs", {}, ADMIN),
        ("POST", "/api/admin/monitoring/test-alert", {}, ADMIN),
        ("GET", "/api/admin/monitoring", {}, ADMIN),
        ("GET", "/api/admin/jobs", {"limit": "1000"}, ADMIN),
        ("GET", "/api/unsubscribe", {"token": token}, {}),
        ("POST", "/api/unsubscribe", {"token": token + "x"}, {}),
        ("POST", "/api/events/weekly", {"weekStart": "not-a-date"}, CRON),
        # refused: a real secret sent where it does not open anything, and near misses
        ("GET", "/api/admin/monitoring", {}, CRON),
        ("POST", "/api/events/cleanup", {}, ADMIN),
        ("POST", "/api/events/weekly", {}, {"Authorization": f"Bearer {CRON_SECRET}x"}),
        ("GET", "/api/admin/jobs", {}, {"Authorization": f"Basic {ADMIN_TOKEN}"}),
        ("GET", "/api/admin/jobs", {}, {"Authorization": ADMIN_TOKEN}),
        ("POST", "/api/unsubscribe", {"token": UNSUBSCRIBE_SECRET}, {}),
        ("GET", "/readyz", {}, {}),
        ("GET", "/healthz", {}, {}),
    ]
    responses = [
        await client.request(method, path, params=params, headers=headers)
        for method, path, params, headers in calls
    ]
    runs = (await client.get("/api/admin/jobs", params={"limit": "1000"}, headers=ADMIN)).json()
    responses.extend(
        [await client.get(f"/api/admin/jobs/{run['id']}", headers=ADMIN) for run in runs["jobs"]]
    )
    responses.append(await client.get("/metrics"))
    return responses


async def stored_rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows: list[str] = []
        for table in ("job_runs", "email_queue", "alerts_sent", "users"):
            result = await conn.execute(text(f"select t::text from {table} t"))
            rows.extend(str(row) for row in result.scalars())
    return rows


TEST_CLIENT_LOGGERS = ("httpx", "httpcore")  # this test's own client logs the URLs it requests


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    records = [r for r in caplog.records if not r.name.startswith(TEST_CLIENT_LOGGERS)]
    return "\n".join(f"{caplog.handler.format(r)}\n{vars(r)!r}" for r in records)


async def test_no_secret_appears_anywhere_observable(
    settings: Settings, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    settings = secret_settings(settings)
    caplog.set_level(logging.DEBUG)
    published: list[str] = []

    async with (
        stand_ins(settings, engine, published),
        monitor_client(settings, clock=utc_now) as client,
    ):
        responses = await exercise(client, engine)
        await asyncio.sleep(0.5)  # the last messages reach the recorders

    statuses = [r.status_code for r in responses]
    assert statuses[:12] == [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 400, 400]
    assert statuses[12:18] == [401, 401, 401, 401, 401, 400]
    assert responses[4].json()["cleaned"] == 1
    assert responses[6].json()["queued"] is True
    rows = await stored_rows(engine)
    assert any('"kind": "alert"' in m for m in published)
    assert any("Stuck jobs" in row for row in rows)  # the alert reached email_queue
    assert len(caplog.records) > 50  # DEBUG logging was really captured

    observed = {
        "logs": log_text(caplog),
        "response bodies": "\n".join(r.text for r in responses),
        "response headers": "\n".join(repr(r.headers.multi_items()) for r in responses),
        "metrics": responses[-1].text,
        "database rows": "\n".join(rows),
        "published messages": "\n".join(published),
    }
    leaks = [(where, s) for where, content in observed.items() for s in SECRETS if s in content]
    assert leaks == []
