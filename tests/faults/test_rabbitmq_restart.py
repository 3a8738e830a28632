"""RabbitMQ goes away in the middle of a 20,000-user weekly run (`stop_app`, then `start_app`):
every service reconnects, the run completes, every eligible email is stored exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.settings import Settings
from tests.faults.conftest import StackFactory
from tests.faults.support import (
    FAULT_USERS,
    eligible_users,
    eventually,
    processes_alive,
    scalar,
    seed_week,
    stack_env,
    start_pipeline,
    unreachable_smtp,
    wait_for_emails,
    wait_for_job,
    wait_until_completed,
    weekly_run,
)
from tests.support.private_servers import PrivateRabbit

pytestmark = pytest.mark.faults


@pytest.fixture
def rabbit() -> Iterator[PrivateRabbit]:
    server = PrivateRabbit().start()
    yield server
    server.destroy()


async def test_services_reconnect_after_a_rabbitmq_restart_and_the_run_completes(
    settings: Settings, rabbit: PrivateRabbit, service_stack: StackFactory
) -> None:
    settings = unreachable_smtp(settings).model_copy(update={"amqp_url": rabbit.url})
    week = await seed_week(settings, FAULT_USERS)
    engine = create_async_engine(settings.async_database_url)
    try:
        expected = await eligible_users(engine, week)
        stack = service_stack(stack_env(settings, EVENTS_TRIGGER_WAIT_SECONDS="0.5"))
        await start_pipeline(stack)

        began = time.monotonic()
        accepted = await stack.post("/api/events/weekly")
        assert accepted.status_code == 202, accepted.text

        async def emails_flowing() -> int | None:
            run = await weekly_run(engine, week)
            assert run is not None
            assert run.status in ("pending", "running"), f"run finished too early: {run}"
            queued = int(await scalar(engine, "select count(*) from email_queue"))
            return queued if run.status == "running" and queued > 0 else None

        queued_at_stop = await eventually(
            emails_flowing, timeout=120, interval=0.05, what="emails being queued", stack=stack
        )
        await asyncio.to_thread(rabbit.stop_app)
        stopped_after = time.monotonic() - began
        await asyncio.sleep(2)  # the services notice and start reconnecting
        assert (await stack.get("/readyz")).status_code == 503
        await asyncio.to_thread(rabbit.start_app)

        run = await wait_until_completed(engine, week, timeout=180, stack=stack)

        await wait_for_emails(engine, expected, stack=stack, timeout=90)
        distinct = await scalar(engine, "select count(distinct idempotency_key) from email_queue")
        assert distinct == expected
        assert run.metadata["processedUsers"] == FAULT_USERS
        processes_alive(stack, "aggregator", "mailer", "monitor")

        # Every consumer is back: a dispatch goes monitor -> mailer -> job.finished -> monitor.
        async def ready() -> bool:
            return (await stack.get("/readyz")).status_code == 200

        await eventually(ready, timeout=30, what="/readyz 200", stack=stack)
        dispatch = await stack.post("/api/events/emails/dispatch", limit="1")
        assert dispatch.status_code in (200, 202), dispatch.text
        if dispatch.status_code == 202:
            await wait_for_job(stack, dispatch.json()["jobRunId"])
        else:
            assert dispatch.json()["status"] == "ok", dispatch.text
        print(  # noqa: T201 - timings for the report (-s)
            f"rabbitmq stopped after {stopped_after:.1f} s with {queued_at_stop}/{expected} "
            f"emails stored; attempt {run.metadata['attempt']}; "
            f"done after {time.monotonic() - began:.1f} s"
        )
    finally:
        await engine.dispose()
