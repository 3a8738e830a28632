"""Serving a service: every service's `create_app(settings)` returns an ASGI app.

The monitor's is FastAPI on MONITOR_PORT; the others are FastStream apps (AsgiFastStream)
whose HTTP side serves `/metrics` and `/healthz` on METRICS_PORT. uvicorn turns SIGTERM
into a lifespan shutdown, which stops consuming and lets in-flight handlers finish.
"""

from __future__ import annotations

import importlib
import signal
from typing import Any, Protocol

import uvicorn

from sportify_common.settings import Settings

SERVICES = ("scheduler", "aggregator", "mailer", "monitor")


class AppFactory(Protocol):
    def __call__(self, settings: Settings | None = None) -> Any: ...


def app_factory(service: str) -> AppFactory:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    module = importlib.import_module(f"sportify_{service}.app")
    factory: AppFactory = module.create_app
    return factory


def port_for(service: str, settings: Settings) -> int:
    return settings.monitor_port if service == "monitor" else settings.metrics_port


def serve(service: str, settings: Settings) -> None:
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
