"""The Prometheus config, rules and compose file agree with each other and with the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.promql import exported_metric_names, metric_names

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def rules() -> list[dict[str, Any]]:
    document = load(PROMETHEUS / "rules" / "sportify.rules.yml")
    return [rule for group in document["groups"] for rule in group["rules"]]


def rule_tests() -> list[dict[str, Any]]:
    return [
        case
        for path in sorted((PROMETHEUS / "tests").glob("*.test.yml"))
        for case in load(path)["tests"]
    ]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: str(r["alert"]))
def test_every_rule_reads_only_metrics_the_services_export(rule: dict[str, Any]) -> None:
    names = metric_names(rule["expr"])

    assert names
    assert names <= exported_metric_names(), names - exported_metric_names()


@pytest.mark.parametrize("rule", rules(), ids=lambda r: str(r["alert"]))
def test_every_rule_is_tested_both_firing_and_not_firing(rule: dict[str, Any]) -> None:
    checks = [
        check
        for case in rule_tests()
        for check in case.get("alert_rule_test", [])
        if check["alertname"] == rule["alert"]
    ]

    assert any(check.get("exp_alerts") for check in checks), "no firing case"
    assert any(not check.get("exp_alerts") for check in checks), "no quiet case"


def test_required_alerts_exist() -> None:
    names = {rule["alert"] for rule in rules()}

    assert {
        "SportifyWeeklyRunMissing",
        "SportifyMonthlyRunMissing",
        "SportifyJobRunFailed",
        "SportifyJobsStuck",
        "SportifyEmailsFailed",
        "SportifyEmailBacklogGrowing",
        "SportifyServiceDown",
    } <= names


def test_scrape_targets_are_compose_services_on_their_ports() -> None:
    config = load(PROMETHEUS / "prometheus.yml")
    compose = load(REPO / "docker-compose.yml")

    targets = {
        job["job_name"]: target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets["sportify-monitor"] == "monitor:8000"
    for service in ("scheduler", "aggregator", "mailer"):
        assert targets[f"sportify-{service}"] == f"{service}:9101"
        assert compose["services"][service]["environment"]["METRICS_PORT"] == "9101"
    assert targets["rabbitmq"] == "rabbitmq:15692"
    for target in targets.values():
        host = target.split(":")[0]
        assert host == "localhost" or host in compose["services"], target


def test_sportify_jobs_keep_their_own_job_label() -> None:
    config = load(PROMETHEUS / "prometheus.yml")

    for job in config["scrape_configs"]:
        if job["job_name"].startswith("sportify-"):
            assert job.get("honor_labels") is True, job["job_name"]


def test_the_loopback_template_has_the_same_jobs_with_placeholders() -> None:
    template = (PROMETHEUS / "prometheus.local.yml.tmpl").read_text()
    config = load(PROMETHEUS / "prometheus.yml")

    for job in config["scrape_configs"]:
        if job["job_name"] != "prometheus":
            assert f"job_name: {job['job_name']}" in template
    for placeholder in ("MONITOR", "SCHEDULER", "AGGREGATOR", "MAILER", "RABBITMQ"):
        assert f"${{{placeholder}_TARGET}}" in template


def test_compose_runs_every_service_from_one_image_with_health_checks() -> None:
    services = load(REPO / "docker-compose.yml")["services"]

    images = {
        services[name]["image"]
        for name in ("migrate", "scheduler", "aggregator", "mailer", "monitor")
    }
    assert images == {"sportify-ops:local"}
    assert services["migrate"]["command"] == ["migrate"]
    for name in ("scheduler", "aggregator", "mailer", "monitor"):
        assert services[name]["command"] == ["run", name]
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        probe = services[name]["healthcheck"]["test"][-1]
        assert ("/readyz" if name == "monitor" else "/healthz") in probe
    assert services["monitor"]["environment"]["MONITOR_HOST"] == "0.0.0.0"  # noqa: S104
    assert services["scheduler"]["environment"]["SMTP_HOST"] == "mailpit"
