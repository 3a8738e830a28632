"""What the services export, and which metric names a PromQL expression reads."""

from __future__ import annotations

import re
from functools import cache

from prometheus_client import CollectorRegistry

from sportify_common.broker import create_broker
from sportify_common.metrics import Metrics
from sportify_mailer.breaker import circuit_gauge
from sportify_monitor.dead_letters import dead_letter_gauge
from sportify_monitor.gauges import email_queue_gauge
from sportify_monitor.http_metrics import HttpMetrics

# Series Prometheus makes itself, not an exporter.
SYNTHETIC = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})

_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"bool", "offset", "inf", "nan", "atan2"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
_VARIABLE = re.compile(r"\$\{?\w+\}?")
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*")
_NUMBER_SUFFIX = re.compile(r"\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[smhdwy]?\b")


def metric_names(expression: str) -> set[str]:
    """Metric names an expression selects (functions, keywords and labels removed)."""
    text = _STRING.sub(" ", expression)
    text = _VARIABLE.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _NUMBER_SUFFIX.sub(" ", text)
    names: set[str] = set()
    for match in _IDENTIFIER.finditer(text):
        is_call = text[match.end() :].lstrip().startswith("(")
        if not is_call and match.group().lower() not in _KEYWORDS:
            names.add(match.group())
    return names


def _series_names(registry: CollectorRegistry) -> set[str]:
    names: set[str] = set()
    for family in registry.collect():
        match family.type:
            case "counter":
                names |= {family.name, f"{family.name}_total", f"{family.name}_created"}
            case "histogram":
                names |= {f"{family.name}{s}" for s in ("_bucket", "_sum", "_count", "_created")}
            case "summary":
                names |= {family.name, f"{family.name}_sum", f"{family.name}_count"}
            case _:
                names.add(family.name)
        names |= {sample.name for sample in family.samples}
    return names


@cache
def exported_metric_names() -> frozenset[str]:
    """Every series name the services export: sportify_*, faststream_*, sportify_http_*."""
    registry = CollectorRegistry()
    Metrics.create(registry)
    HttpMetrics(registry)
    dead_letter_gauge(registry)
    email_queue_gauge(registry)
    circuit_gauge(registry)
    create_broker("amqp://guest:guest@localhost:5672/", service="check", registry=registry)
    return frozenset(_series_names(registry)) | SYNTHETIC
