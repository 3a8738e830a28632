"""The trace backend in the compose stack (SPEC 14): Jaeger takes OTLP/HTTP on 4318, every
service exports to it, Grafana has it as a data source, and the run panels link to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from tests.deploy.test_dashboard import load_dashboard, panels

REPO = Path(__file__).resolve().parents[2]
RUN_PANELS = {
    "Time since last success",
    "Job runs by job and status",
    "Job duration",
    "Processed users",
}


def compose() -> dict[str, Any]:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert isinstance(services, dict)
    return services


def test_jaeger_takes_otlp_http_and_every_service_exports_to_it() -> None:
    services = compose()
    assert "4318:4318" in services["jaeger"]["ports"]
    for name in ("scheduler", "aggregator", "mailer", "monitor"):
        endpoint = services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert endpoint.endswith("http://jaeger:4318}"), endpoint


def test_grafana_provisions_the_jaeger_data_source() -> None:
    document = yaml.safe_load(
        (REPO / "deploy" / "grafana" / "provisioning" / "datasources" / "jaeger.yml").read_text()
    )
    [source] = document["datasources"]
    assert source["type"] == "jaeger"
    assert source["uid"] == "jaeger"
    host = urlsplit(source["url"]).hostname
    assert host in compose()


def test_the_run_panels_link_to_the_traces_of_their_job() -> None:
    linked = {}
    for panel in panels(load_dashboard()):
        for link in panel.get("fieldConfig", {}).get("defaults", {}).get("links", []):
            linked[panel["title"]] = link
    assert set(linked) == RUN_PANELS
    for title, link in linked.items():
        url = urlsplit(link["url"])
        assert url.path == "/explore", title
        raw_panes = parse_qs(url.query)["panes"][0]
        pane = json.loads(unquote(raw_panes).replace("${__field.labels.job:percentencode}", "J"))
        [query] = pane["traces"]["queries"]
        assert query["datasource"] == {"type": "jaeger", "uid": "jaeger"}, title
        # The aggregator's `results` span carries sportify.job for every run, however triggered.
        assert query["service"] == "sportify-aggregator"
        assert query["tags"] == "sportify.job=J"
