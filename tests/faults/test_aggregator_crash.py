"""SIGKILL the aggregator in the middle of a 20,000-user weekly run: the redelivered message
completes the run, and every result equals an undisturbed run of the same data (SPEC 7)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from sportify_common.settings import Settings
from tests.faults.conftest import Copier, StackFactory
from tests.faults.support import (
    FAULT_USERS,
    assert_same_results,
    eligible_users,
    eventually,
    scalar,
    seed_week,
    snapshot,
    stack_env,
    start_pipeline,
    unreachable_smtp,
    wait_for_emails,
    wait_until_completed,
    weekly_run,
)

pytestmark = pytest.mark.faults


async def test_a_killed_aggregator_run_is_redelivered_and_matches_an_undisturbed_run(
    settings: Settings, database_copier: Copier, service_stack: StackFactory
) -> None:
    settings = unreachable_smtp(settings)
    week = await seed_week(settings, FAULT_USERS)
    reference = await database_copier.copy(settings)  # nothing is connected to it yet
    engine = create_async_engine(settings.async_database_url)
    ref_engine = create_async_engine(reference.async_database_url)
    try:
        expected_emails = await eligible_users(engine, week)
        stack = service_stack(stack_env(settings, EVENTS_TRIGGER_WAIT_SECONDS="0.5"))
        ref_stack = service_stack(stack_env(reference, EVENTS_TRIGGER_WAIT_SECONDS="0.5"))
        await start_pipeline(stack)
        await start_pipeline(ref_stack)

        began = time.monotonic()
        accepted = await stack.post("/api/events/weekly")
        assert accepted.status_code == 202, accepted.text
        reference_accepted = await ref_stack.post("/api/events/weekly")
        assert reference_accepted.status_code == 202, reference_accepted.text

        async def mid_run() -> int | None:
            run = await weekly_run(engine, week)
            if run is None or run.status != "running":
                assert run is None or run.status == "pending", f"run finished too early: {run}"
                return None
            queued = int(await scalar(engine, "select count(*) from email_queue"))
            return queued if queued > 0 else None

        queued_at_kill = await eventually(
            mid_run, timeout=120, interval=0.05, what="emails being queued", stack=stack
        )
        stack.kill("aggregator")
        killed_after = time.monotonic() - began
        stack.start("aggregator", name="aggregator-2")

        run = await wait_until_completed(engine, week, timeout=180, stack=stack)
        ref_run = await wait_until_completed(ref_engine, week, timeout=180, stack=ref_stack)

        await wait_for_emails(engine, expected_emails, stack=stack)
        await wait_for_emails(ref_engine, expected_emails, stack=ref_stack)

        assert 0 < queued_at_kill < expected_emails, (queued_at_kill, expected_emails)
        assert run.metadata["attempt"] >= 2
        assert ref_run.metadata["attempt"] == 1
        assert run.metadata["processedUsers"] == ref_run.metadata["processedUsers"] == FAULT_USERS
        assert_same_results(await snapshot(engine, week), await snapshot(ref_engine, week))
        print(  # noqa: T201 - timings for the report (-s)
            f"killed after {killed_after:.1f} s with {queued_at_kill}/{expected_emails} emails "
            f"queued; completed after {time.monotonic() - began:.1f} s"
        )
    finally:
        await engine.dispose()
        await ref_engine.dispose()
