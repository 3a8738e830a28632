from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.promql import exported_metric_names, metric_names

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "sportify-ops.json"


def load_dashboard() -> dict[str, Any]:
    document = json.loads(DASHBOARD.read_text())
    assert isinstance(document, dict)
    return document


def panels(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in document["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries() -> list[tuple[str, str]]:
    return [
        (panel["title"], target["expr"])
        for panel in panels(load_dashboard())
        for target in panel.get("targets", [])
    ]


def test_the_dashboard_is_valid_json_with_a_stable_uid_and_title() -> None:
    document = load_dashboard()

    assert document["title"] == "Sportify Ops"
    assert document["uid"] == "sportify-ops"
    assert len({p["id"] for p in panels(document)}) == len(panels(document))


def test_every_panel_queries_the_provisioned_prometheus_datasource() -> None:
    for panel in panels(load_dashboard()):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, panel["title"]
        assert panel["targets"], panel["title"]


@pytest.mark.parametrize(
    "title",
    [
        "Job runs by job and status",
        "Job duration",
        "Time since last success",
        "Stuck jobs",
        "Email queue by status",
        "Emails sent and send failures",
        "Message rates",
    ],
)
def test_the_dashboard_has_the_required_panel(title: str) -> None:
    assert title in {panel["title"] for panel in panels(load_dashboard())}


@pytest.mark.parametrize(("title", "expr"), queries())
def test_every_panel_query_reads_only_metrics_the_services_export(title: str, expr: str) -> None:
    names = metric_names(expr)

    assert names, f"{title}: no metric found in {expr!r}"
    assert names <= exported_metric_names(), f"{title}: unknown {names - exported_metric_names()}"


def test_durations_are_quantiles_over_histogram_buckets() -> None:
    duration = [expr for title, expr in queries() if title == "Job duration"]

    assert duration
    assert all("histogram_quantile" in e and "_bucket" in e for e in duration)


def test_the_metric_name_extraction_ignores_functions_labels_and_keywords() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (job, le) (rate(foo_bucket{job="x", le!="+Inf"}[5m])))'
        " / on (job) group_left bar_total offset 1h and time() - baz > 8 * 86400"
    )

    assert metric_names(expr) == {"foo_bucket", "bar_total", "baz"}


def test_a_misspelt_metric_would_be_caught() -> None:
    assert not metric_names("rate(sportify_job_run_total[5m])") <= exported_metric_names()
