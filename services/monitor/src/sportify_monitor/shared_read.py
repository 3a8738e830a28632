"""One read shared by concurrent callers, reused for at most `max_age` seconds.

Under load the monitoring document is asked for many times a second; every caller running the
same statement only queues them behind each other in PostgreSQL. Callers that arrive while a load
is in flight wait for it instead of starting another (single flight), and a loaded value is served
again while it is younger than `max_age` (0: only in-flight loads are shared). A value's age counts
from the start of its load, so no caller gets data older than `max_age` plus one load. A failed
load is not kept: its callers see the error, the next caller loads again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedRead(Generic[T]):
    def __init__(
        self,
        load: Callable[[], Awaitable[T]],
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._clock = clock
        self._value: tuple[float, T] | None = None
        self._in_flight: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._value is not None:
            started, value = self._value
            if self._clock() - started < self._max_age:
                return value
        if self._in_flight is None:
            self._in_flight = asyncio.ensure_future(self._load_and_keep(self._clock()))
        # shield: a caller that goes away (client disconnect) must not cancel the others' load.
        return await asyncio.shield(self._in_flight)

    async def _load_and_keep(self, started: float) -> T:
        try:
            value = await self._load()
        finally:
            self._in_flight = None
        self._value = (started, value)
        return value
