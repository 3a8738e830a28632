"""Rate limit of failed sign-ins per client address (a sliding window). Pure: the caller
passes the monotonic time; one instance per monitor process."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final

MAX_FAILURES: Final = 5
WINDOW_SECONDS: Final = 60.0
MAX_TRACKED: Final = 10_000
"""Addresses remembered at most; past that the oldest are forgotten (memory stays bounded)."""


@dataclass
class SignInLimiter:
    max_failures: int = MAX_FAILURES
    window: float = WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[address]
        return times

    def blocked(self, address: str, now: float) -> bool:
        return len(self._recent(address, now)) >= self.max_failures

    def retry_after(self, address: str, now: float) -> int:
        times = self._recent(address, now)
        return max(1, int(times[0] + self.window - now) + 1) if times else 0

    def failed(self, address: str, now: float) -> None:
        times = self._recent(address, now)
        if not times:
            if len(self._failures) >= MAX_TRACKED:
                del self._failures[next(iter(self._failures))]
            self._failures[address] = times
        times.append(now)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)
