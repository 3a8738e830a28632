"""Alertmanager (SPEC 14): the config checks, every alert reaches its receivers, and a real
Alertmanager delivers to email and the webhook, inhibits "run missed" while "service down"
fires, and honours a silence.

`amtool` and `prometheus-alertmanager` come from Debian's prometheus-alertmanager package
(`make check-deploy` installs it); without them these tests fail, they do not skip."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.smtp import SmtpSink, free_port
from tests.support.webhook import WebhookReceiver

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
RULES = REPO / "deploy" / "prometheus" / "rules" / "sportify.rules.yml"

BOTH = "ops-webhook,ops-email"
EMAIL = "ops-email"
WEBHOOK = "ops-webhook"

# Every alert of the rules file and who must get it; a new alert needs its line here.
EXPECTED_RECEIVERS = {
    "SportifyWeeklyRunMissing": BOTH,
    "SportifyWeeklyRunNeverSucceeded": BOTH,
    "SportifyMonthlyRunMissing": BOTH,
    "SportifyMonthlyRunNeverSucceeded": BOTH,
    "SportifyJobRunFailed": EMAIL,
    "SportifyJobsStuck": EMAIL,
    "SportifyMessagesDeadLettered": EMAIL,
    "SportifyEmailsFailed": EMAIL,
    "SportifySmtpTransientFailures": EMAIL,
    "SportifySmtpCircuitOpen": WEBHOOK,  # not email: mail is what is failing
    "SportifyEmailBacklogGrowing": EMAIL,
    "SportifyServiceDown": BOTH,
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing: install Debian's prometheus-alertmanager "
            "(scripts/ensure-packages.sh amtool:prometheus-alertmanager, run by make check-deploy)"
        )
    return path


def rules() -> dict[str, dict[str, str]]:
    document = yaml.safe_load(RULES.read_text())
    return {
        rule["alert"]: rule.get("labels", {})
        for group in document["groups"]
        for rule in group["rules"]
    }


def test_amtool_accepts_the_config() -> None:
    checked = subprocess.run(  # noqa: S603 - the packaged amtool
        [tool("amtool"), "check-config", str(CONFIG)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_every_alert_of_the_rules_has_an_expected_receiver() -> None:
    assert set(rules()) == set(EXPECTED_RECEIVERS)


@pytest.mark.parametrize("alert", sorted(EXPECTED_RECEIVERS))
def test_each_alert_is_routed_to_its_receivers(alert: str) -> None:
    labels = {"alertname": alert, "system": "sportify-ops", **rules()[alert]}
    if alert == "SportifyServiceDown":
        labels |= {"job": "sportify-mailer", "instance": "mailer:9101"}
    routed = subprocess.run(  # noqa: S603 - the packaged amtool
        [
            tool("amtool"),
            "config",
            "routes",
            "test",
            f"--config.file={CONFIG}",
            f"--verify.receivers={EXPECTED_RECEIVERS[alert]}",
            *(f"{key}={value}" for key, value in labels.items()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert routed.returncode == 0, routed.stdout + routed.stderr
    assert routed.stdout.strip() == EXPECTED_RECEIVERS[alert]


def test_the_inhibit_rule_names_alerts_that_exist() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    [rule] = config["inhibit_rules"]
    names = set(rules())
    assert rule["source_matchers"] == ['alertname="SportifyServiceDown"']
    assert "SportifyServiceDown" in names
    [target] = rule["target_matchers"]
    pattern = target.split("=~", 1)[1].strip('"')
    inhibited = {name for name in names if re.fullmatch(pattern, name)}
    assert inhibited == {
        "SportifyWeeklyRunMissing",
        "SportifyWeeklyRunNeverSucceeded",
        "SportifyMonthlyRunMissing",
        "SportifyMonthlyRunNeverSucceeded",
    }


def test_prometheus_sends_its_alerts_to_the_compose_alertmanager() -> None:
    prometheus = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    [manager] = prometheus["alerting"]["alertmanagers"]
    assert manager["static_configs"][0]["targets"] == ["alertmanager:9093"]
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in compose["alertmanager"]["command"]
    config = yaml.safe_load(CONFIG.read_text())
    assert config["global"]["smtp_smarthost"] == "mailpit:1025"
    assert "mailpit" in compose
    [hook] = next(r for r in config["receivers"] if r["name"] == WEBHOOK)["webhook_configs"]
    host = hook["url"].split("//", 1)[1].split(":", 1)[0]
    assert host in compose


# --- a real Alertmanager -----------------------------------------------------------------


class Alertmanager:
    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - http on loopback
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            raw = answer.read()
        return json.loads(raw) if raw else None

    def fire(self, alertname: str, **labels: str) -> None:
        now = datetime.now(UTC)
        self.request(
            "POST",
            "/api/v2/alerts",
            [
                {
                    "labels": {"alertname": alertname, "system": "sportify-ops", **labels},
                    "annotations": {"summary": f"{alertname} (test)"},
                    "startsAt": now.isoformat(),
                    "endsAt": (now + timedelta(minutes=10)).isoformat(),
                }
            ],
        )

    def alerts(self) -> dict[str, dict[str, Any]]:
        return {a["labels"]["alertname"]: a for a in self.request("GET", "/api/v2/alerts")}


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def alertmanager(tmp_path: Path, sink: SmtpSink) -> Iterator[tuple[Alertmanager, WebhookReceiver]]:
    """The real config with loopback endpoints (the SMTP sink, a webhook receiver) and short
    group timings; everything else (routes, inhibition) as deployed."""
    binary = tool("prometheus-alertmanager")
    hook = WebhookReceiver().start()
    config = yaml.safe_load(CONFIG.read_text())
    config["global"]["smtp_smarthost"] = f"127.0.0.1:{sink.port}"
    config["route"] |= {"group_wait": "1s", "group_interval": "1s"}
    for receiver in config["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = hook.url
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - a packaged binary
        [
            binary,
            f"--config.file={path}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    manager = Alertmanager(f"http://127.0.0.1:{port}")

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError((tmp_path / "alertmanager.log").read_text())
        try:
            manager.request("GET", "/api/v2/status")
        except OSError:
            return False
        return True

    try:
        wait_until(ready, 60, "Alertmanager answers")
        yield manager, hook
    finally:
        process.terminate()
        process.wait(30)
        log.close()
        hook.stop()


def test_a_service_down_reaches_the_webhook_and_email_and_inhibits_run_missing(
    alertmanager: tuple[Alertmanager, WebhookReceiver], sink: SmtpSink
) -> None:
    manager, hook = alertmanager
    manager.fire("SportifyServiceDown", severity="critical", job="sportify-aggregator")
    wait_until(
        lambda: (
            manager.alerts().get("SportifyServiceDown", {}).get("status", {}).get("state")
            == "active"
        ),
        what="service down is active",
    )
    manager.fire("SportifyWeeklyRunMissing", severity="critical")

    def inhibited() -> bool:
        status = manager.alerts().get("SportifyWeeklyRunMissing", {}).get("status", {})
        return status.get("state") == "suppressed" and bool(status.get("inhibitedBy"))

    wait_until(inhibited, what="run missing inhibited by service down")
    bodies = wait_until(hook.received, what="a webhook delivery")
    messages = wait_until(lambda: sink.messages, what="an alert email")
    time.sleep(2)  # two group intervals: an inhibited alert would have been delivered by now
    names = {a["labels"]["alertname"] for body in hook.received() for a in body["alerts"]}
    assert names == {"SportifyServiceDown"}
    assert bodies[0]["groupLabels"] == {
        "alertname": "SportifyServiceDown",
        "job": "sportify-aggregator",
    }
    assert any("SportifyServiceDown" in str(m["Subject"]) for m in messages)
    assert all("SportifyWeeklyRunMissing" not in str(m["Subject"]) for m in sink.messages)


def test_a_silence_keeps_an_alert_from_everyone(
    alertmanager: tuple[Alertmanager, WebhookReceiver], sink: SmtpSink
) -> None:
    manager, hook = alertmanager
    added = subprocess.run(  # noqa: S603 - the packaged amtool
        [
            tool("amtool"),
            f"--alertmanager.url={manager.url}",
            "silence",
            "add",
            "alertname=SportifyJobsStuck",
            "--duration=1h",
            "--comment=maintenance",
            "--author=test",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    manager.fire("SportifyJobsStuck", severity="warning")
    manager.fire("SportifyEmailsFailed", severity="warning")

    def silenced() -> bool:
        status = manager.alerts().get("SportifyJobsStuck", {}).get("status", {})
        return status.get("state") == "suppressed" and bool(status.get("silencedBy"))

    wait_until(silenced, what="the silenced alert is suppressed")
    messages = wait_until(lambda: sink.messages, what="an alert email")
    time.sleep(2)
    subjects = [str(m["Subject"]) for m in sink.messages]
    assert any("SportifyEmailsFailed" in s for s in subjects), subjects
    assert all("SportifyJobsStuck" not in s for s in subjects), subjects
    assert messages
    assert hook.received() == []  # warnings go to email only
