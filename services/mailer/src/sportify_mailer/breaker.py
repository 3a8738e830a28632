"""Shell of the SMTP circuit (rules in `circuit.py`): the state, the probes, the gauge, the alert.

`trip()` is called by a send that failed through no fault of its message. A closed circuit
opens: `sportify_smtp_circuit_open` goes to 1, the pool's idle connections are dropped, the
probe task starts, and one alert is raised in a task of its own (the webhook, when
ALERT_WEBHOOK_URL is set, and the alert email through `raise_alert`, which is queued now and
sent first once the server is back). Nothing that sends ever waits on the alert.

While open, `Delivery` claims nothing. The probe task probes after 5 s, 10 s, … up to
SMTP_PROBE_MAX_SECONDS; the first good probe closes the circuit, sets the gauge to 0 and calls
the `on_close` listeners (the drain loop starts at once). The state is this process's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Gauge

from sportify_common.clock import Clock, utc_now
from sportify_mailer.circuit import CLOSED, Circuit, ProbePolicy
from sportify_mailer.retry import SendFailure

logger = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[SendFailure | None]]
OnOpen = Callable[[str, datetime], Awaitable[None]]
"""Called (in a task of its own) once per opening with what opened it and when."""


def circuit_gauge(registry: CollectorRegistry) -> Gauge:
    """`sportify_smtp_circuit_open`: set by the mailer alone, so created here, not in Metrics."""
    return Gauge(
        "sportify_smtp_circuit_open",
        "1 while this mailer's SMTP circuit is open (the server is failing; nothing is sent)",
        registry=registry,
    )


class SmtpBreaker:
    def __init__(
        self,
        probe: Probe,
        *,
        policy: ProbePolicy,
        gauge: Gauge | None = None,
        clock: Clock = utc_now,
        on_open: OnOpen | None = None,
        discard_idle: Callable[[], None] | None = None,
    ) -> None:
        self._probe = probe
        self._policy = policy
        self._gauge = gauge
        self._clock = clock
        self._on_open = on_open
        self._discard_idle = discard_idle
        self._circuit = CLOSED
        self._closed_event = asyncio.Event()
        self._closed_event.set()
        self._listeners: list[Callable[[], None]] = []
        self._prober: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        if gauge is not None:
            gauge.set(0)

    @property
    def circuit(self) -> Circuit:
        return self._circuit

    @property
    def is_open(self) -> bool:
        return self._circuit.is_open

    def is_closed(self) -> bool:
        return not self._circuit.is_open

    def on_close(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def wait_closed(self) -> None:
        await self._closed_event.wait()

    def trip(self, failure: SendFailure) -> None:
        """A server failure: open the circuit unless it is open already."""
        if self._circuit.is_open:
            return
        now = self._clock()
        reason = f"{failure.stage.value}: {failure.describe()}"
        self._circuit = self._circuit.trip(reason, now=now, policy=self._policy)
        self._closed_event.clear()
        if self._gauge is not None:
            self._gauge.set(1)
        if self._discard_idle is not None:
            self._discard_idle()
        logger.error(
            "SMTP circuit open: %s; sending paused, first probe in %.0f s",
            self._circuit.reason,
            self._circuit.next_probe_seconds(self._policy),
        )
        self._prober = asyncio.create_task(self._probe_until_closed(), name="mailer-smtp-probe")
        if self._on_open is not None:
            self._spawn(self._on_open(self._circuit.reason or "", now))

    async def _probe_until_closed(self) -> None:
        while self._circuit.is_open:
            await asyncio.sleep(self._circuit.next_probe_seconds(self._policy))
            try:
                failure = await self._probe()
            except Exception:  # the probe reports failures as values; be safe anyway
                logger.exception("SMTP probe raised")
                self._circuit = self._circuit.probe_failed()
                continue
            if failure is None:
                self._close()
                return
            self._circuit = self._circuit.probe_failed()
            logger.warning(
                "SMTP probe %d failed (%s: %s); next in %.0f s",
                self._circuit.failed_probes,
                failure.stage.value,
                failure.describe(),
                self._circuit.next_probe_seconds(self._policy),
            )

    def _close(self) -> None:
        now = self._clock()
        was_open = self._circuit.open_seconds(now)
        self._circuit = self._circuit.probe_succeeded(now=now)
        if self._gauge is not None:
            self._gauge.set(0)
        self._closed_event.set()
        logger.warning("SMTP circuit closed after %.1f s: the probe succeeded, sending", was_open)
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                logger.exception("an SMTP circuit listener failed")

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                logger.exception("raising the SMTP circuit alert failed")

        task = asyncio.create_task(guarded(), name="mailer-smtp-circuit-alert")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """End the probes and any alert still being raised."""
        prober, self._prober = self._prober, None
        tasks = [t for t in (prober, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
