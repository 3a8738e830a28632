"""Tracing setup (SPEC 14): off without an endpoint (nothing installed, nothing recorded, no
middleware), on with one; the W3C context in headers; the trace id on log lines.

A tracer provider can be installed once per process, so setups run in a subprocess each;
the in-process tests use a provider of their own and never install it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import get_current_span

from sportify_common.logs import TraceFormatter, TraceIdFilter
from sportify_common.settings import SettingsError
from sportify_common.tracing import (
    configure_tracing,
    context_from_headers,
    current_trace_id,
    inject_headers,
    tracing_enabled,
)

PROBE = """
import json
from opentelemetry import trace
from prometheus_client import CollectorRegistry
from sportify_common.broker import create_broker
from sportify_common.tracing import configure_tracing, inject_headers, tracer, tracing_enabled

configured = configure_tracing("aggregator")
broker = create_broker("amqp://guest:guest@127.0.0.1:5672/", service="x", registry=CollectorRegistry())
with tracer.start_as_current_span("probe") as span:
    recording = span.is_recording()
    headers = inject_headers()
print(json.dumps({
    "configured": type(configured).__name__,
    "enabled": tracing_enabled(),
    "provider": type(trace.get_tracer_provider()).__name__,
    "middlewares": [type(m).__name__ for m in broker.config.broker_middlewares],
    "recording": recording,
    "headers": sorted(headers),
    "service": configured.resource.attributes["service.name"] if configured else None,
}))
"""


def probe(**otel: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | otel
    done = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_without_an_endpoint_nothing_is_installed_recorded_or_injected() -> None:
    assert probe() == {
        "configured": "NoneType",
        "enabled": False,
        "provider": "ProxyTracerProvider",
        "middlewares": ["RabbitPrometheusMiddleware"],
        "recording": False,
        "headers": [],
        "service": None,
    }


def test_an_empty_endpoint_is_off_too() -> None:
    assert probe(OTEL_EXPORTER_OTLP_ENDPOINT="")["enabled"] is False


def test_with_an_endpoint_spans_are_recorded_and_the_brokers_trace_messages() -> None:
    result = probe(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318", OTEL_TRACES_EXPORTER="none")
    assert result == {
        "configured": "TracerProvider",
        "enabled": True,
        "provider": "TracerProvider",
        "middlewares": ["RabbitTelemetryMiddleware", "RabbitPrometheusMiddleware"],
        "recording": True,
        "headers": ["traceparent"],
        "service": "sportify-aggregator",
    }


def test_otel_service_name_names_the_service() -> None:
    result = probe(
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
        OTEL_TRACES_EXPORTER="none",
        OTEL_SERVICE_NAME="aggregator-eu-1",
    )
    assert result["service"] == "aggregator-eu-1"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "jaeger:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://jaeger"),
        ("OTEL_TRACES_EXPORTER", "zipkin"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable_before_anything_is_installed(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        configure_tracing("mailer")
    assert tracing_enabled() is False


def test_the_context_travels_in_a_traceparent_header_as_str_or_bytes() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("sender") as sender:
        headers = inject_headers()
    expected = sender.get_span_context()
    assert headers["traceparent"].startswith(
        f"00-{expected.trace_id:032x}-{expected.span_id:016x}-"
    )
    for carried in (headers, {"traceparent": headers["traceparent"].encode()}):
        received = get_current_span(context_from_headers(carried)).get_span_context()
        assert received.trace_id == expected.trace_id
        assert received.span_id == expected.span_id
        assert received.is_remote
    assert not get_current_span(context_from_headers(None)).get_span_context().is_valid
    assert (
        not get_current_span(context_from_headers({"traceparent": 5})).get_span_context().is_valid
    )


def test_log_lines_in_a_span_carry_its_trace_id_and_others_none() -> None:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(TraceIdFilter())
    handler.setFormatter(TraceFormatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("test.tracing")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside")
        with TracerProvider().get_tracer("test").start_as_current_span("run") as span:
            logger.warning("inside")
            trace_id = current_trace_id()
        try:
            raise ValueError("boom")
        except ValueError:
            with TracerProvider().get_tracer("test").start_as_current_span("failing"):
                logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert trace_id == f"{span.get_span_context().trace_id:032x}"
    assert records[0] == "WARNING test.tracing: outside"
    assert records[1] == f"WARNING test.tracing: inside trace_id={trace_id}"
    first_line = records[2].splitlines()[0]
    assert first_line.startswith("ERROR test.tracing: failed trace_id=")  # before the traceback
    assert current_trace_id() == ""
