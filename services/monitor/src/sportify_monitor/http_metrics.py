"""HTTP request metrics, labelled by route template (not raw path), and the last-resort 500.

A pure ASGI middleware: it sits inside Starlette's ServerErrorMiddleware, so an unexpected
exception is answered here with the API's error shape and logged, never re-raised.
"""

from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sportify_monitor.errors import error_response

logger = logging.getLogger("sportify.monitor.http")

UNMATCHED = "unmatched"


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "sportify_http_requests",
            "HTTP requests answered by the monitor",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "sportify_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["route"],
            registry=registry,
        )


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            logger.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            status = 500
            if not response_started:
                response = error_response(
                    500, "internal-error", "An unexpected error occurred; it has been logged."
                )
                await response(scope, receive, send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.requests.labels(
                method=scope.get("method", ""), route=template, status=str(status)
            ).inc()
            self.metrics.duration.labels(route=template).observe(time.perf_counter() - started)
