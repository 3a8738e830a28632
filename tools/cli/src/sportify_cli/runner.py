"""Serving a service: every service's `create_app(settings)` returns an ASGI app.

The monitor's is FastAPI on MONITOR_PORT; the others are FastStream apps (AsgiFastStream)
whose HTTP side serves `/metrics` and `/healthz` on METRICS_PORT. uvicorn turns SIGTERM
into a lifespan shutdown, which stops consuming and lets in-flight handlers finish.

The four composition roots are imported here by name, so the import graph (and
import-linter) sees that the CLI sits above every service.
"""

from __future__ import annotations

import signal
from typing import Any, Protocol

import uvicorn

from sportify_aggregator.app import create_app as create_aggregator
from sportify_common.settings import Settings
from sportify_common.tracing import configure_tracing
from sportify_mailer.app import create_app as create_mailer
from sportify_monitor.app import create_app as create_monitor
from sportify_scheduler.app import create_app as create_scheduler


class AppFactory(Protocol):
    def __call__(self, settings: Settings | None = None) -> Any: ...


APPS: dict[str, AppFactory] = {
    "scheduler": create_scheduler,
    "aggregator": create_aggregator,
    "mailer": create_mailer,
    "monitor": create_monitor,
}
SERVICES = tuple(APPS)


def app_factory(service: str) -> AppFactory:
    if service not in APPS:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    return APPS[service]


def port_for(service: str, settings: Settings) -> int:
    return settings.monitor_port if service == "monitor" else settings.metrics_port


def serve(service: str, settings: Settings) -> None:
    # Before the app: its broker adds the telemetry middleware only when tracing is on.
    configure_tracing(service)
    app = app_factory(service)(settings)
    host = settings.monitor_host if service == "monitor" else "0.0.0.0"  # noqa: S104 - metrics scrape
    config = uvicorn.Config(
        app,
        host=host,
        port=port_for(service, settings),
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.job_timeout_seconds) + 5,
    )
    server = uvicorn.Server(config)

    def stop(signum: int, frame: object) -> None:
        server.should_exit = True

    # uvicorn shuts down gracefully on SIGTERM and then raises the signal again with the
    # handler it found installed; with this one the process ends normally (exit 0) instead of
    # dying of the signal (143). A SIGTERM before uvicorn takes over still stops the server.
    signal.signal(signal.SIGTERM, stop)
    server.run()
