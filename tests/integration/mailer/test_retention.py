"""Retention (SPEC 4.8) against PostgreSQL: each rule removes exactly what it should, in
batches, and two runs side by side never double-count; the run through `jobs.retention`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.audit import record_action
from sportify_common.broker import declare_topology
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.messages import ApplyRetention, RoutingKey
from sportify_common.service_context import ServiceContext, build_context
from sportify_common.settings import MailerSettings, Settings, load_settings
from sportify_common.vocabulary import EmailStatus
from sportify_mailer.retention import RULES, RetentionJob, Rule, retention_counter
from tests.integration.mailer.test_app import _listen, _next_body, _publish, client, running_mailer
from tests.support.job_factories import insert_job_run, job_run
from tests.support.mail_factories import ManualClock, insert_emails

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
FINISHED = (EmailStatus.SENT, EmailStatus.SKIPPED, EmailStatus.FAILED)
OWED = (EmailStatus.PENDING, EmailStatus.RETRYING)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def retention_settings(settings: Settings, **values: object) -> Settings:
    return load_settings(**{**settings.model_dump(), **values})


@pytest.fixture
async def context(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[ServiceContext[MailerSettings]]:
    ctx = build_context(
        settings,
        service="mailer",
        registry=CollectorRegistry(),
        clock=clock,
        pool_size=4,
        max_overflow=2,
        prefetch_count=4,
    )
    yield ctx
    await ctx.engine.dispose()


def job(
    context: ServiceContext[MailerSettings],
    *,
    settings: MailerSettings | None = None,
    batch_rows: int = 5000,
    rules: tuple[Rule, ...] = RULES,
    yield_factor: float = 4.0,
) -> RetentionJob:
    if settings is not None:
        context = ServiceContext(
            settings=settings,
            engine=context.engine,
            broker=context.broker,
            topology=context.topology,
            metrics=context.metrics,
            clock=context.clock,
        )
    return RetentionJob(
        context,
        retention_counter(CollectorRegistry()),
        batch_rows=batch_rows,
        rules=rules,
        yield_factor=yield_factor,
    )


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def _ids(engine: AsyncEngine, sql: str) -> set[UUID]:
    async with engine.connect() as conn:
        return {row[0] for row in await conn.execute(text(sql))}


async def _suppression(engine: AsyncEngine, address: str, expires_at: datetime | None) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_suppressions (address, reason, source, expires_at) "
                "values (:a, 'test', 'bounce', :e)"
            ),
            {"a": address, "e": expires_at},
        )


async def _audit(engine: AsyncEngine, at: datetime) -> UUID:
    async with engine.begin() as conn:
        return await record_action(
            conn, actor="t", action="test.act", target="x", reason=None, details={}, now=at
        )


async def test_finished_emails_older_than_the_email_retention_go_and_owed_ones_stay(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    old = NOW - 180 * DAY - SECOND
    gone: set[UUID] = set()
    for status in FINISHED:
        gone |= set(await insert_emails(engine, 2, status=status, created_at=old))
    kept: set[UUID] = set()
    for status in OWED:
        kept |= set(await insert_emails(engine, 2, status=status, created_at=old))
    kept |= set(await insert_emails(engine, 2, status=EmailStatus.SENT, created_at=NOW - 180 * DAY))

    outcome = await job(context).apply()

    assert outcome.result().emails_deleted == len(gone) == 6
    assert await _ids(engine, "select id from email_queue") == kept


async def test_bodies_of_finished_emails_older_than_the_body_retention_are_cleared(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    old = NOW - 30 * DAY - SECOND
    cleared: set[UUID] = set()
    for status in FINISHED:
        cleared |= set(await insert_emails(engine, 3, status=status, created_at=old))
    owed: set[UUID] = set()
    for status in OWED:
        owed |= set(await insert_emails(engine, 3, status=status, created_at=old))
    young = set(await insert_emails(engine, 3, status=EmailStatus.SENT, created_at=NOW - 30 * DAY))

    first = await job(context).apply()
    second = await job(context).apply()

    assert first.result().email_bodies_cleared == 9
    assert second.result().email_bodies_cleared == 0  # a cleared body is not counted again
    assert first.result().emails_deleted == 0
    nulls = await _ids(
        engine,
        "select id from email_queue where body_text is null and body_html is null "
        "and headers is null",
    )
    assert nulls == cleared
    kept = await _ids(engine, "select id from email_queue where body_text is not null")
    assert kept == owed | young


async def test_old_finished_runs_go_but_the_latest_completed_run_of_each_job_stays(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    old = NOW - 400 * DAY - SECOND

    async def run(name: JobName, status: JobStatus, created: datetime, started: int) -> UUID:
        started_at = created + started * SECOND if status is not JobStatus.PENDING else None
        return await insert_job_run(
            engine,
            job_name=name.value,
            status=status.value,
            scheduled_for=created - timedelta(minutes=started),
            created_at=created,
            started_at=started_at,
        )

    gone = {
        await run(JobName.WEEKLY_EVENTS, JobStatus.COMPLETED, old, 1),
        await run(JobName.WEEKLY_EVENTS, JobStatus.FAILED, old, 3),
        await run(JobName.CLEANUP, JobStatus.FAILED, old, 1),
    }
    latest_weekly = await run(JobName.WEEKLY_EVENTS, JobStatus.COMPLETED, old, 2)
    latest_cleanup = await run(JobName.CLEANUP, JobStatus.COMPLETED, old - DAY, 1)
    running = await run(JobName.MONTHLY_EVENTS, JobStatus.RUNNING, old, 1)
    pending = await run(JobName.EMAILS_DISPATCH, JobStatus.PENDING, old, 0)
    at_the_boundary = await run(JobName.EMAILS_DISPATCH, JobStatus.FAILED, NOW - 400 * DAY, 1)

    outcome = await job(context).apply()

    assert outcome.result().job_runs_deleted == len(gone)
    assert await _ids(engine, "select id from job_runs") == {
        latest_weekly,
        latest_cleanup,
        running,
        pending,
        at_the_boundary,
    }


async def test_expired_suppressions_go_and_lasting_ones_stay(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _suppression(engine, "expired@example.test", NOW - SECOND)
    await _suppression(engine, "expiring@example.test", NOW + SECOND)
    await _suppression(engine, "operator@example.test", None)

    outcome = await job(context).apply()

    assert outcome.result().suppressions_deleted == 1
    left = await _scalar(
        engine, "select array_agg(address order by address) from email_suppressions"
    )
    assert left == ["expiring@example.test", "operator@example.test"]


async def test_audit_entries_older_than_the_audit_retention_go(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _audit(engine, NOW - 400 * DAY - SECOND)
    boundary = await _audit(engine, NOW - 400 * DAY)
    recent = await _audit(engine, NOW - DAY)

    outcome = await job(context).apply()

    assert outcome.result().audit_deleted == 1
    assert await _ids(engine, "select id from audit_log") == {boundary, recent}


async def test_a_rule_set_to_zero_days_removes_nothing(
    context: ServiceContext[MailerSettings], engine: AsyncEngine, settings: Settings
) -> None:
    ancient = NOW - 5000 * DAY
    await insert_emails(engine, 2, status=EmailStatus.SENT, created_at=ancient)
    await insert_job_run(
        engine,
        job_name=JobName.CLEANUP.value,
        status=JobStatus.FAILED.value,
        scheduled_for=ancient,
        created_at=ancient,
        started_at=ancient,
    )
    await _audit(engine, ancient)
    off = retention_settings(
        settings,
        retention_email_days=0,
        retention_email_body_days=0,
        retention_job_run_days=0,
        retention_audit_days=0,
    )

    outcome = await job(context, settings=off).apply()

    assert outcome.result().to_wire() == {
        "status": "ok",
        "emailBodiesCleared": 0,
        "emailsDeleted": 0,
        "jobRunsDeleted": 0,
        "suppressionsDeleted": 0,
        "auditDeleted": 0,
    }
    assert set(outcome.rules) == {"suppressions"}
    assert (
        await _scalar(engine, "select count(*) from email_queue where body_text is not null") == 2
    )
    assert await _scalar(engine, "select count(*) from job_runs") == 1
    assert await _scalar(engine, "select count(*) from audit_log") == 1


async def _seed_emails(engine: AsyncEngine, count: int, *, created_at: datetime) -> None:
    """`count` sent rows, set-wise, one second apart from `created_at` backwards."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """
                insert into email_queue (id, idempotency_key, recipient, kind, locale, subject,
                    body_text, body_html, headers, status, attempts, next_attempt_at,
                    created_at, updated_at)
                select gen_random_uuid(), 'seed:' || g || ':' || :tag, 'a@example.test',
                       'weekly-summary', 'de', 's', 'text', '<p>html</p>', '{}'::jsonb, 'sent',
                       1, cast(:at as timestamptz), cast(:at as timestamptz) - g * interval '1 second',
                       cast(:at as timestamptz)
                  from generate_series(1, :count) g
                """
            ),
            {"count": count, "at": created_at, "tag": uuid4().hex},
        )


async def test_twelve_thousand_rows_go_in_batches_of_at_most_five_thousand(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 12_000, created_at=NOW - 200 * DAY)

    outcome = await job(context).apply()

    emails = outcome.rules["emails"]
    assert (emails.rows, emails.statements) == (12_000, 3)  # 5,000 + 5,000 + 2,000
    assert await _scalar(engine, "select count(*) from email_queue") == 0


async def test_the_counter_counts_the_rows_of_each_rule(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 1_200, created_at=NOW - 200 * DAY)
    await _seed_emails(engine, 300, created_at=NOW - 40 * DAY)
    registry = CollectorRegistry()
    retention = RetentionJob(context, retention_counter(registry), batch_rows=500)

    await retention.apply()

    def deleted(what: str) -> float | None:
        return registry.get_sample_value("sportify_retention_deleted_total", {"what": what})

    assert (deleted("emails"), deleted("email-bodies")) == (1_200, 300)
    assert (deleted("job-runs"), deleted("suppressions"), deleted("audit")) == (0, 0, 0)


async def test_bodies_are_cleared_in_batches_of_the_configured_size(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 2_500, created_at=NOW - 40 * DAY)

    outcome = await job(context, batch_rows=1_000).apply()

    bodies = outcome.rules["email-bodies"]
    assert (bodies.rows, bodies.statements) == (2_500, 3)
    assert await _scalar(engine, "select count(*) from email_queue where body_text is null") == 2500


async def test_two_retention_runs_at_once_count_every_row_once(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 6_000, created_at=NOW - 200 * DAY)
    await _seed_emails(engine, 6_000, created_at=NOW - 60 * DAY)

    first, second = await asyncio.gather(
        job(context, batch_rows=500).apply(), job(context, batch_rows=500).apply()
    )

    results = [first.result(), second.result()]
    assert sum(r.emails_deleted for r in results) == 6_000
    assert sum(r.email_bodies_cleared for r in results) == 6_000
    assert await _scalar(engine, "select count(*) from email_queue") == 6_000
    assert await _scalar(engine, "select count(*) from email_queue where body_text is null") == 6000


async def test_retention_pauses_between_batches_while_an_evaluation_runs(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 3_000, created_at=NOW - 200 * DAY)
    await insert_job_run(
        engine,
        job_name=JobName.WEEKLY_EVENTS.value,
        status=JobStatus.RUNNING.value,
        scheduled_for=NOW,
        created_at=NOW,
        started_at=NOW,
    )

    outcome = await job(context, batch_rows=1_000, yield_factor=1.0).apply()

    emails = outcome.rules["emails"]
    assert (emails.rows, emails.statements) == (3_000, 4)
    assert emails.paused > 0
    assert outcome.rules["audit"].paused == 0  # one short batch: nothing to pause between


async def test_retention_does_not_pause_when_no_evaluation_runs(
    context: ServiceContext[MailerSettings], engine: AsyncEngine
) -> None:
    await _seed_emails(engine, 3_000, created_at=NOW - 200 * DAY)

    outcome = await job(context, batch_rows=1_000, yield_factor=1.0).apply()

    assert outcome.rules["emails"].paused == 0


async def _claim(engine: AsyncEngine, scheduled_for: datetime) -> UUID:
    async with engine.begin() as conn:
        claim = await jobs.claim(
            conn,
            job_name=JobName.RETENTION,
            scheduled_for=scheduled_for,
            trigger=Trigger.CRON,
            force=False,
            now=scheduled_for,
        )
    return claim.run.id


async def test_a_failing_rule_fails_the_run_announces_it_and_raises_the_alert(
    context: ServiceContext[MailerSettings], engine: AsyncEngine, settings: Settings
) -> None:
    async def broken(*_args: Any) -> tuple[int, datetime | None]:
        raise RuntimeError("disk on fire")

    alerting = retention_settings(settings, alert_email="ops@example.test")
    run_id = await _claim(engine, NOW)
    await context.broker.connect()
    try:
        await declare_topology(context.broker, context.topology)
        listener = await _listen(context.broker, context.topology, RoutingKey.JOB_FINISHED.value)
        alerts = await _listen(context.broker, context.topology, RoutingKey.EMAIL_REQUESTED.value)
        retention = job(context, settings=alerting, rules=(Rule("emails", broken, lambda s: 1),))

        await retention.run(ApplyRetention(job_run_id=run_id))

        finished = await _next_body(listener)
        alert = await _next_body(alerts)
    finally:
        await context.broker.stop()
    run = await job_run(engine, run_id)
    assert run["status"] == "failed"
    assert run["metadata"]["error"] == {"type": "RuntimeError", "message": "disk on fire"}
    assert finished["status"] == "failed"
    assert finished["result"]["error"]["type"] == "RuntimeError"
    assert alert["recipient"] == "ops@example.test"
    assert alert["subject"].startswith("[Sportify Alert] retention failed")


async def test_the_mailer_applies_a_retention_command_and_records_the_run(
    mail_settings: Settings, engine: AsyncEngine
) -> None:
    from sportify_common.clock import utc_now

    now = utc_now()
    await insert_emails(engine, 3, status=EmailStatus.SENT, created_at=now - 181 * DAY)
    await insert_emails(engine, 2, status=EmailStatus.SENT, created_at=now - 31 * DAY)
    run_id = await _claim(engine, now)
    settings = load_settings(**{**mail_settings.model_dump(), "email_retry_poll_seconds": 600.0})

    async with running_mailer(settings), client(settings) as broker:
        topology_listener = await _listen(
            broker, _topology(settings), RoutingKey.JOB_FINISHED.value
        )
        await _publish(
            broker, settings, RoutingKey.JOBS_RETENTION, ApplyRetention(job_run_id=run_id)
        )
        finished = await _next_body(topology_listener)

    expected = {
        "status": "ok",
        "emailBodiesCleared": 2,
        "emailsDeleted": 3,
        "jobRunsDeleted": 0,
        "suppressionsDeleted": 0,
        "auditDeleted": 0,
    }
    assert finished["jobName"] == "retention"
    assert finished["status"] == "completed"
    assert finished["result"] == expected
    run = await job_run(engine, run_id)
    assert run["status"] == "completed"


def _topology(settings: Settings) -> Any:
    from sportify_common.topology import Topology

    return Topology(settings.amqp_namespace, settings.message_max_deliveries)
