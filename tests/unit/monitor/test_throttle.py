"""The scrape-time refresh waits at least its interval, and longer after a slow refresh."""

from __future__ import annotations

import logging

import pytest

from sportify_monitor import throttle


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Counting(throttle.ThrottledRefresh):
    def __init__(self, clock: _Clock, *, takes: float, interval: float) -> None:
        super().__init__(interval=interval, logger=logging.getLogger("test"), what="test")
        self.clock = clock
        self.takes = takes
        self.runs = 0

    async def _update(self) -> None:
        self.runs += 1
        self.clock.now += self.takes


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(throttle, "monotonic", fake)
    return fake


async def test_a_quick_refresh_waits_its_interval(clock: _Clock) -> None:
    gauges = _Counting(clock, takes=0.01, interval=10)
    await gauges.refresh()
    clock.now = 9.9
    await gauges.refresh()
    assert gauges.runs == 1
    clock.now = 10.1
    await gauges.refresh()
    assert gauges.runs == 2


async def test_a_slow_refresh_waits_twenty_times_its_duration(clock: _Clock) -> None:
    gauges = _Counting(clock, takes=2.0, interval=10)
    await gauges.refresh()  # took 2 s: fresh for 40 s
    clock.now = 39.0
    await gauges.refresh()
    assert gauges.runs == 1
    clock.now = 41.0
    await gauges.refresh()
    assert gauges.runs == 2


async def test_interval_zero_refreshes_on_every_scrape(clock: _Clock) -> None:
    gauges = _Counting(clock, takes=2.0, interval=0)
    await gauges.refresh()
    await gauges.refresh()
    assert gauges.runs == 2
