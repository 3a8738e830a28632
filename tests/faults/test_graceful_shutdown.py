"""SIGTERM while a service has work in flight: it exits 0 within its grace period, and no run is
left `running` (it finished, or its message went back and completes when the service returns)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.messages import RoutingKey
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from tests.faults.conftest import StackFactory
from tests.faults.support import (
    eligible_users,
    email_bodies,
    eventually,
    publish_raw,
    scalar,
    seed_week,
    stack_env,
    start_pipeline,
    the_week,
    unreachable_smtp,
    wait_for_emails,
    wait_until_completed,
    wait_until_running,
    weekly_run,
    with_smtp,
)
from tests.support.smtp import SmtpSink
from tests.support.stack import settings_env

pytestmark = pytest.mark.faults

USERS = 10_000
TRIGGER_WAIT_SECONDS = 10
MONITOR_GRACE_SECONDS = TRIGGER_WAIT_SECONDS + 15
MAILER_GRACE_SECONDS = 30
AGGREGATOR_GRACE_SECONDS = 120


async def test_sigterm_lets_the_aggregator_finish_its_run_and_exit_0(
    settings: Settings, service_stack: StackFactory
) -> None:
    settings = unreachable_smtp(settings)
    week = await seed_week(settings, USERS)
    engine = create_async_engine(settings.async_database_url)
    try:
        stack = service_stack(stack_env(settings, EVENTS_TRIGGER_WAIT_SECONDS="0.5"))
        await start_pipeline(stack)
        assert (await stack.post("/api/events/weekly")).status_code == 202

        await wait_until_running(engine, week, stack=stack)
        began = time.monotonic()
        code = await asyncio.to_thread(stack.terminate, "aggregator", AGGREGATOR_GRACE_SECONDS)
        took = time.monotonic() - began
        assert code == 0, stack.log("aggregator")[-3000:]

        after_stop = await weekly_run(engine, week)
        assert after_stop is not None
        if after_stop.status != "completed":  # requeued: the next aggregator completes it
            stack.start("aggregator", name="aggregator-2")
        run = await wait_until_completed(engine, week, timeout=120, stack=stack)
        expected = await eligible_users(engine, week)

        await wait_for_emails(engine, expected, stack=stack, timeout=60)
        print(  # noqa: T201 - timings for the report (-s)
            f"aggregator stopped in {took:.1f} s; run {after_stop.status} at exit, "
            f"attempt {run.metadata['attempt']}"
        )
    finally:
        await engine.dispose()


async def test_sigterm_during_sending_exits_0_and_no_email_goes_out_twice(
    settings: Settings, sink: SmtpSink, service_stack: StackFactory
) -> None:
    emails = 1000
    settings = with_smtp(settings, sink.port)
    engine = create_async_engine(settings.async_database_url)
    try:
        stack = service_stack(
            settings_env(settings, SCHEDULER_CATCH_UP_PERIODS="0", EMAIL_RETRY_POLL_SECONDS="0.5")
        )
        stack.start("mailer")
        stack.start("monitor")
        await stack.wait_ready()
        await publish_raw(
            settings.amqp_url,
            Topology(settings.amqp_namespace),
            RoutingKey.EMAIL_REQUESTED,
            email_bodies(emails),
        )

        async def sending() -> bool:
            return len(sink.messages) > 0

        await eventually(
            sending, timeout=30, interval=0.02, what="the first email sent", stack=stack
        )
        began = time.monotonic()
        code = await asyncio.to_thread(stack.terminate, "mailer", MAILER_GRACE_SECONDS)
        took = time.monotonic() - began
        assert code == 0, stack.log("mailer")[-3000:]
        sent_at_stop = len(sink.messages)

        stack.start("mailer", name="mailer-2")

        async def all_sent() -> bool:
            sent = await scalar(engine, "select count(*) from email_queue where status = 'sent'")
            return int(sent) == emails

        await eventually(all_sent, timeout=60, what="every email sent", stack=stack)
        await sink.wait_for(emails, timeout=10)
        await asyncio.sleep(1)  # anything sent twice would show up now
        per_id = Counter(str(m["Message-ID"]) for m in sink.messages)
        assert len(per_id) == emails
        assert set(per_id.values()) == {1}
        print(  # noqa: T201 - timings for the report (-s)
            f"mailer stopped in {took:.1f} s with {sent_at_stop}/{emails} sent"
        )
    finally:
        await engine.dispose()


async def test_sigterm_during_a_waiting_trigger_exits_0_and_the_run_still_completes(
    settings: Settings, service_stack: StackFactory
) -> None:
    settings = unreachable_smtp(settings)
    week = the_week(settings)
    engine = create_async_engine(settings.async_database_url)
    try:
        stack = service_stack(
            stack_env(settings, EVENTS_TRIGGER_WAIT_SECONDS=str(TRIGGER_WAIT_SECONDS))
        )
        stack.start("monitor")  # no aggregator yet: the trigger waits for job.finished
        await stack.wait_ready()
        request = asyncio.create_task(stack.post("/api/events/weekly"))

        async def claimed() -> bool:
            return await weekly_run(engine, week) is not None

        await eventually(claimed, timeout=10, interval=0.05, what="the run claimed", stack=stack)
        await asyncio.sleep(0.5)  # the command is published; the request is waiting
        began = time.monotonic()
        code = await asyncio.to_thread(stack.terminate, "monitor", MONITOR_GRACE_SECONDS)
        took = time.monotonic() - began
        assert code == 0, stack.log("monitor")[-3000:]
        response = await request
        assert response.status_code == 202, response.text

        stack.start("aggregator")
        run = await wait_until_completed(engine, week, timeout=60, stack=stack)
        assert run.metadata["attempt"] == 1
        print(f"monitor stopped in {took:.1f} s; the trigger answered 202")  # noqa: T201
    finally:
        await engine.dispose()
