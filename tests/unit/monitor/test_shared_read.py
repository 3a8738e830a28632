"""SharedRead: one load for concurrent callers, reuse within max_age, failures not kept."""

from __future__ import annotations

import asyncio

import pytest

from sportify_monitor.shared_read import SharedRead


class Source:
    """A load that counts its calls and finishes when the test lets it."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.fail_next = False

    async def load(self) -> int:
        self.calls += 1
        call = self.calls
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError(f"load {call} failed")
        return call


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_callers_share_one_load() -> None:
    source = Source()
    shared = SharedRead(source.load, max_age=0)
    callers = [asyncio.create_task(shared.get()) for _ in range(20)]
    await asyncio.sleep(0)
    source.release.set()

    assert await asyncio.gather(*callers) == [1] * 20
    assert source.calls == 1


async def test_without_max_age_a_later_caller_loads_again() -> None:
    source = Source()
    source.release.set()
    shared = SharedRead(source.load, max_age=0)

    assert await shared.get() == 1
    assert await shared.get() == 2


async def test_a_value_is_reused_while_younger_than_max_age_counted_from_its_load_start() -> None:
    source, clock = Source(), Clock()
    shared = SharedRead(source.load, max_age=1.0, clock=clock)
    first = asyncio.create_task(shared.get())
    await asyncio.sleep(0)
    clock.now += 0.5  # the load itself takes 0.5 s
    source.release.set()
    assert await first == 1

    clock.now += 0.25
    assert await shared.get() == 1
    clock.now += 0.25  # 1.0 s after the first load started
    assert await shared.get() == 2


async def test_a_failed_load_reaches_its_callers_and_is_not_kept() -> None:
    source = Source()
    source.fail_next = True
    shared = SharedRead(source.load, max_age=60)
    callers = [asyncio.create_task(shared.get()) for _ in range(3)]
    await asyncio.sleep(0)
    source.release.set()

    results = await asyncio.gather(*callers, return_exceptions=True)
    assert [str(r) for r in results] == ["load 1 failed"] * 3
    assert await shared.get() == 2


async def test_a_cancelled_caller_does_not_cancel_the_load_of_the_others() -> None:
    source = Source()
    shared = SharedRead(source.load, max_age=0)
    leaving = asyncio.create_task(shared.get())
    staying = asyncio.create_task(shared.get())
    await asyncio.sleep(0)
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    source.release.set()

    assert await staying == 1
    assert source.calls == 1
