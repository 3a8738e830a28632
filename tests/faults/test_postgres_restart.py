"""PostgreSQL restarts in the middle of a 20,000-user weekly run: /readyz answers 503 while it
is down and 200 after; the redelivered period.closed completes the run with no manual step."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.db.migrate import upgrade_to_head
from sportify_common.settings import Settings
from tests.faults.conftest import StackFactory
from tests.faults.support import (
    FAULT_USERS,
    eligible_users,
    eventually,
    processes_alive,
    seed_week,
    stack_env,
    start_pipeline,
    unreachable_smtp,
    wait_for_emails,
    wait_until_completed,
    wait_until_running,
)
from tests.support.databases import create_database, with_database
from tests.support.private_servers import PrivatePostgres

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 8  # longer than MESSAGE_MAX_DELIVERIES quick redeliveries would survive


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().start()
    yield server
    server.destroy()


async def test_services_recover_from_a_postgres_restart_and_the_run_completes(
    settings: Settings, postgres: PrivatePostgres, service_stack: StackFactory
) -> None:
    await create_database(postgres.url, "sportify")
    database_url = with_database(postgres.url, "sportify")
    settings = unreachable_smtp(settings).model_copy(update={"database_url": database_url})
    await upgrade_to_head(settings.async_database_url)
    week = await seed_week(settings, FAULT_USERS)
    engine = create_async_engine(settings.async_database_url, pool_pre_ping=True)
    try:
        expected = await eligible_users(engine, week)
        stack = service_stack(stack_env(settings, EVENTS_TRIGGER_WAIT_SECONDS="0.5"))
        await start_pipeline(stack)

        began = time.monotonic()
        accepted = await stack.post("/api/events/weekly")
        assert accepted.status_code == 202, accepted.text

        await wait_until_running(engine, week, stack=stack)
        await engine.dispose()
        await asyncio.to_thread(postgres.stop)
        stopped_after = time.monotonic() - began

        async def not_ready() -> bool:
            return (await stack.get("/readyz")).status_code == 503

        await eventually(not_ready, timeout=10, what="/readyz 503 during the outage", stack=stack)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(postgres.start)

        async def ready() -> bool:
            return (await stack.get("/readyz")).status_code == 200

        await eventually(ready, timeout=30, what="/readyz 200 after the outage", stack=stack)
        run = await wait_until_completed(engine, week, timeout=180, stack=stack)

        await wait_for_emails(engine, expected, stack=stack, timeout=90)
        assert run.metadata["processedUsers"] == FAULT_USERS
        assert run.metadata["attempt"] >= 2
        processes_alive(stack, "aggregator", "mailer", "monitor")
        print(  # noqa: T201 - timings for the report (-s)
            f"postgres stopped after {stopped_after:.1f} s for {OUTAGE_SECONDS} s; "
            f"attempt {run.metadata['attempt']}; done after {time.monotonic() - began:.1f} s"
        )
    finally:
        await engine.dispose()
