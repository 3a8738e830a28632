"""CPU per span of the spans a run makes per email (SPEC 14), with the services' own provider
setup (`BatchSpanProcessor`, the discarding exporter of `OTEL_TRACES_EXPORTER=none`), beside
the same code with no provider installed (the API's no-op tracer, what tracing off runs).

    uv run --frozen python bench/tracing_cost.py [--spans 100000]

The end-to-end figure (`bench/weekly.py --reuse URL` against `--tracing`) varies by more than
the target between two runs of the same code on this machine; this one is steady: multiplied
by the spans a run makes, it bounds what tracing can add to the run's CPU.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

from bench.support import report
from sportify_common.tracing import DiscardingExporter, context_from_headers, inject_headers


def smtp_send_span(tracer: trace.Tracer, headers: dict[str, str]) -> None:
    """The mailer's span per SMTP send (`Delivery._traced_attempt`), in its email's context."""
    origin = context_from_headers(headers)
    with tracer.start_as_current_span(
        "smtp send",
        context=origin,
        kind=SpanKind.CLIENT,
        attributes={"sportify.email_id": str(uuid4()), "sportify.email_kind": "weekly_summary"},
    ) as span:
        span.set_attribute("sportify.email_status", "sent")


def publish_span(tracer: trace.Tracer, headers: dict[str, str]) -> None:
    """The aggregator's span per published batch (`broker.publish_many`) and its injection."""
    with tracer.start_as_current_span(
        "publish email.requested",
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "rabbitmq", "messaging.batch.message_count": 500},
    ):
        dict(headers).update(inject_headers())


def cpu_per_call(body: Callable[[], None], calls: int) -> float:
    began = time.process_time()
    for _ in range(calls):
        body()
    return (time.process_time() - began) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=100_000)
    args = parser.parse_args()
    off = trace.NoOpTracer()
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: "bench"}))
    # A queue for every span: a run makes a few hundred spans a second, which the default
    # queue (2,048) drains; a tight loop would overflow it, and a dropped span costs less.
    provider.add_span_processor(
        BatchSpanProcessor(DiscardingExporter(), max_queue_size=2 * args.spans + 1)
    )
    on = provider.get_tracer("sportify")
    headers: dict[str, str] = {}
    with on.start_as_current_span("run"):
        headers = inject_headers()
    rows = []
    for name, shape in (("smtp send", smtp_send_span), ("publish batch", publish_span)):
        cost_off = cpu_per_call(functools.partial(shape, off, headers), args.spans)
        cost_on = cpu_per_call(functools.partial(shape, on, headers), args.spans)
        rows.append(
            (
                f"{name} span, tracing on",
                f"{cost_on * 1e6:.1f} µs CPU",
                f"off: {cost_off * 1e6:.1f} µs; added {(cost_on - cost_off) * 1e6:.1f} µs",
            )
        )
    provider.shutdown()
    report(f"CPU per span, {args.spans} spans each (no-op exporter)", rows)


if __name__ == "__main__":
    main()
