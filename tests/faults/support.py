"""Shared pieces of the fault tests: seeded weeks, polling, result snapshots, raw publishing."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import aio_pika
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_cli.seed import SeedPlan, seed
from sportify_common.clock import utc_now
from sportify_common.messages import RoutingKey
from sportify_common.periods import Period, PeriodKind, latest_closed
from sportify_common.settings import Settings, load_settings
from sportify_common.topology import Topology
from tests.support.mail_factories import email_requested
from tests.support.smtp import SinkHandler, SmtpSink, free_port
from tests.support.stack import ServiceStack, settings_env

FAULT_USERS = 20_000
CRON_SECRET = "cron-secret-for-tests"

T = TypeVar("T")


def the_week(settings: Settings) -> Period:
    return latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)


async def seed_week(settings: Settings, users: int) -> Period:
    """`users` seeded users with a week of activity in the latest closed week."""
    week = the_week(settings)
    await seed(settings, SeedPlan(users=users, end=week.end))
    return week


def with_smtp(settings: Settings, port: int) -> Settings:
    return load_settings(**{**settings.model_dump(), "smtp_host": "127.0.0.1", "smtp_port": port})


def unreachable_smtp(settings: Settings) -> Settings:
    """SMTP on a port where nothing listens: sends fail at once, rows wait for their retry."""
    return with_smtp(settings, free_port())


def stack_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Env for a stack whose mail never goes out during the test (one attempt, then an hour)."""
    return settings_env(
        settings,
        SCHEDULER_CATCH_UP_PERIODS="0",
        EMAIL_RETRY_BASE_SECONDS="3600",
        EMAIL_RETRY_POLL_SECONDS="2",
        **extra,
    )


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "condition",
    stack: ServiceStack | None = None,
) -> T:
    """Poll `probe` until it returns something other than None or False; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        try:
            last = await probe()
        except Exception as exc:  # e.g. the database is restarting
            last = None
            error: Exception | None = exc
        else:
            error = None
        if last is not None and last is not False:
            return last
        await asyncio.sleep(interval)
    logs = ""
    if stack is not None:
        logs = "\n".join(f"--- {name}\n{stack.log(name)[-2500:]}" for name in stack.processes)
    raise AssertionError(
        f"timed out after {timeout} s waiting for {what} (last error {error!r})\n{logs}"
    )


@dataclass(frozen=True, slots=True)
class RunState:
    id: UUID
    status: str
    metadata: dict[str, Any]
    started_at: datetime | None


async def weekly_runs(engine: AsyncEngine, week: Period) -> list[RunState]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "select id, status, metadata, started_at from job_runs "
                    "where job_name = 'weekly-events' and scheduled_for = :end"
                ),
                {"end": week.end},
            )
        ).all()
    return [RunState(r.id, r.status, dict(r.metadata or {}), r.started_at) for r in rows]


async def weekly_run(engine: AsyncEngine, week: Period) -> RunState | None:
    runs = await weekly_runs(engine, week)
    assert len(runs) <= 1, runs
    return runs[0] if runs else None


async def wait_until_completed(
    engine: AsyncEngine, week: Period, *, timeout: float, stack: ServiceStack | None = None
) -> RunState:
    async def completed() -> RunState | None:
        run = await weekly_run(engine, week)
        if run is not None and run.status == "failed":
            raise AssertionError(f"the run failed: {run.metadata}")
        return run if run is not None and run.status == "completed" else None

    return await eventually(
        completed, timeout=timeout, what="the weekly run to complete", stack=stack
    )


async def start_pipeline(stack: ServiceStack) -> None:
    """The aggregator, mailer and monitor as processes, the monitor answering /readyz."""
    for service in ("aggregator", "mailer", "monitor"):
        stack.start(service)
    await stack.wait_ready()


async def wait_until_running(engine: AsyncEngine, week: Period, *, stack: ServiceStack) -> None:
    """Until the week's run is `running` (it must not have finished already)."""

    async def running() -> bool:
        run = await weekly_run(engine, week)
        assert run is not None
        assert run.status in ("pending", "running"), f"run finished too early: {run}"
        return run.status == "running"

    await eventually(running, timeout=60, interval=0.05, what="the run to start", stack=stack)


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def eligible_users(engine: AsyncEngine, week: Period) -> int:
    """Processed users who get a weekly summary (SPEC 4.3)."""
    return int(
        await scalar(
            engine,
            "select count(*) from users where deleted_at is null and created_at < :end "
            "and email_notifications_enabled and coalesce(email, '') <> ''",
            end=week.end,
        )
    )


async def wait_for_emails(
    engine: AsyncEngine, expected: int, *, stack: ServiceStack, timeout: float = 90
) -> None:
    """Until email_queue holds `expected` rows (the mailer stores what the run requested)."""

    async def stored() -> bool:
        return int(await scalar(engine, "select count(*) from email_queue")) == expected

    await eventually(stored, timeout=timeout, what=f"{expected} emails stored", stack=stack)


_SNAPSHOT = {
    "weekly_results": """
        select user_id::text, total_points::text, workouts_count::text, exercise_counts::text,
               activity_totals::text, goals::text, leaderboard_rank::text,
               badges_awarded::text, awards_awarded::text
          from weekly_results where week_start = :start""",
    "leaderboard_results": """
        select user_id::text, rank::text, total_points::text, participant_count::text
          from leaderboard_results where week_start = :start""",
    "user_badges": """
        select user_id::text, badge_slug, period_start::text
          from user_badges where period_start = :first_day""",
    "awards": """
        select user_id::text, award_type, scope, category, coalesce(rank::text, '')
          from awards where period_kind = 'weekly' and period_start = :first_day""",
    "email_queue": "select idempotency_key from email_queue where kind = 'weekly-summary'",
}


async def snapshot(engine: AsyncEngine, week: Period) -> dict[str, list[tuple[str, ...]]]:
    """Every row the weekly run of `week` wrote, as comparable tuples (ids and clocks left out)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    async with engine.connect() as conn:
        for table, sql in _SNAPSHOT.items():
            rows = (
                await conn.execute(text(sql), {"start": week.start, "first_day": week.first_day})
            ).all()
            out[table] = sorted(tuple(row) for row in rows)
    return out


def assert_no_duplicates(snap: dict[str, list[tuple[str, ...]]]) -> None:
    keys = {
        "weekly_results": 1,
        "leaderboard_results": 1,
        "user_badges": 3,
        "awards": 4,
        "email_queue": 1,
    }
    for table, width in keys.items():
        identities = [row[:width] for row in snap[table]]
        assert len(identities) == len(set(identities)), f"duplicate rows in {table}"


def assert_same_results(
    actual: dict[str, list[tuple[str, ...]]], expected: dict[str, list[tuple[str, ...]]]
) -> None:
    assert_no_duplicates(actual)
    for table in _SNAPSHOT:
        got, want = set(actual[table]), set(expected[table])
        assert got == want, (
            f"{table}: {len(got)} rows vs {len(want)} in the undisturbed run; "
            f"only here: {sorted(got - want)[:3]}, only there: {sorted(want - got)[:3]}"
        )


async def publish_raw(
    amqp_url: str, topology: Topology, key: RoutingKey, bodies: list[bytes]
) -> None:
    """Publish bodies as they are (malformed or not) to the topic exchange, persistently."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(topology.exchange.name, ensure=True)
        for body in bodies:
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=key.value,
                mandatory=True,
            )
    finally:
        await connection.close()


async def queue_depths(amqp_url: str, names: list[str]) -> dict[str, int]:
    """Ready messages per queue, by passive declare."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        depths: dict[str, int] = {}
        for name in names:
            queue = await channel.declare_queue(name, passive=True)
            depths[name] = int(queue.declaration_result.message_count or 0)
        return depths
    finally:
        await connection.close()


def processes_alive(stack: ServiceStack, *names: str) -> None:
    for name in names:
        process = stack.processes[name]
        assert process.poll() is None, (
            f"{name} exited ({process.returncode}):\n{stack.log(name)[-3000:]}"
        )


async def wait_for_job(stack: ServiceStack, run_id: str, *, timeout: float = 30) -> dict[str, Any]:
    """Poll the admin API until the run is completed; return its document."""

    async def completed() -> dict[str, Any] | None:
        response = await stack.get(f"/api/admin/jobs/{run_id}")
        if response.status_code != 200:
            return None
        job: dict[str, Any] = response.json()["job"]
        assert job["status"] != "failed", job
        return job if job["status"] == "completed" else None

    return await eventually(
        completed, timeout=timeout, what=f"run {run_id} to complete", stack=stack
    )


class _SinkOnPort(SmtpSink):
    def __init__(self, port: int) -> None:
        self.handler = SinkHandler()
        self.port = port
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=port)


def sink_on(port: int) -> SmtpSink:
    """An SMTP sink on a given port (e.g. one the mailer already tried while nothing listened)."""
    return _SinkOnPort(port).start()


def email_bodies(count: int) -> list[bytes]:
    return [
        json.dumps(
            email_requested(
                key=f"alert:fault-{i}:{uuid4()}", recipient=f"r{i}@example.test"
            ).to_wire()
        ).encode()
        for i in range(count)
    ]
