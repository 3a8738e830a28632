"""Tracing (SPEC 14): one OpenTelemetry trace per run, across the services.

`configure_tracing(service)` installs a TracerProvider exporting over OTLP HTTP (batched)
when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the standard `OTEL_*` variables apply (service
name, resource attributes, batch delays, headers; `OTEL_TRACES_EXPORTER` otlp, console or
none, the last recording spans without sending them anywhere). Without it nothing is installed: the API's
no-op tracer hands out non-recording spans, nothing is injected into messages, and FastStream's
telemetry middleware is not added to the broker (`tracing_enabled`).

The context travels in the AMQP headers as W3C `traceparent`. FastStream's middleware injects
and extracts it with `TraceContextTextMapPropagator` directly (not the global propagator), so
the raw aio-pika paths (`publish_many`, the mailer's intake) use that same propagator by hand:
the two always agree, whatever `OTEL_PROPAGATORS` says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from sportify_common.settings import SettingsError

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
EXPORTER_VARIABLE = "OTEL_TRACES_EXPORTER"
TRACEPARENT = "traceparent"

tracer = trace.get_tracer("sportify")
"""The project's tracer: a proxy that is the no-op tracer until a provider is installed."""

_PROPAGATOR = TraceContextTextMapPropagator()


def configure_tracing(service: str) -> TracerProvider | None:
    """Install the OTLP exporting provider when OTEL_EXPORTER_OTLP_ENDPOINT is set; else None.

    Raises SettingsError for an endpoint that is not an http(s) URL."""
    endpoint = os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not endpoint or os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"{ENDPOINT_VARIABLE} must be an http(s) URL such as http://jaeger:4318, "
            f"got {endpoint[:80]!r}"
        )
    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or f"sportify-{service}"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    install(provider)
    return provider


class DiscardingExporter(SpanExporter):
    """`OTEL_TRACES_EXPORTER=none`: spans are recorded and batched, then dropped (what the
    benchmarks measure as the cost of tracing itself)."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _exporter() -> SpanExporter:
    choice = os.environ.get(EXPORTER_VARIABLE, "").strip().lower() or "otlp"
    if choice == "none":
        return DiscardingExporter()
    if choice == "console":
        return ConsoleSpanExporter()
    if choice != "otlp":
        raise SettingsError(f"{EXPORTER_VARIABLE} must be otlp, console or none, got {choice!r}")
    # Imported here: the exporter (and its HTTP client) is only needed when tracing is on.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def install(provider: TracerProvider) -> None:
    """Make `provider` the process's tracer provider (once per process: OpenTelemetry's rule)."""
    trace.set_tracer_provider(provider)


def tracing_enabled() -> bool:
    """Whether an SDK provider is installed (spans are recorded and exported)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def inject_headers() -> dict[str, str]:
    """The current context as message headers: `{"traceparent": ...}`, or {} with no span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


class _HeaderGetter(Getter[Mapping[str, Any]]):
    """AMQP header values arrive as str or (not UTF-8 decoded) bytes."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        value = carrier.get(key)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        return [value] if isinstance(value, str) else None

    def keys(self, carrier: Mapping[str, Any]) -> list[str]:
        return list(carrier)


_GETTER = _HeaderGetter()


def context_from_headers(headers: Mapping[str, Any] | None) -> Context:
    """The sender's context from a message's headers (an empty context without `traceparent`)."""
    return _PROPAGATOR.extract(headers or {}, getter=_GETTER)


def current_trace_id() -> str:
    """The current span's trace id in hex (as backends show it), or "" outside any span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
