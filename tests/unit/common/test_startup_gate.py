"""The start-up gate that holds a service's shutdown until its start-up has finished."""

from __future__ import annotations

import asyncio

import pytest

from sportify_common.service_app import StartupGate


async def test_a_shutdown_waits_for_the_start_up_to_finish() -> None:
    gate = StartupGate(grace_seconds=5.0)
    waiting = asyncio.create_task(gate.wait_for_startup())
    await asyncio.sleep(0.05)
    assert not waiting.done()

    await gate.mark_started()

    await asyncio.wait_for(waiting, timeout=1.0)


async def test_a_start_up_that_never_finishes_holds_the_shutdown_only_for_the_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = StartupGate(grace_seconds=0.05)

    await asyncio.wait_for(gate.wait_for_startup(), timeout=1.0)

    assert "start-up has not finished after" in caplog.text
