"""A real Prometheus on loopback scrapes a running `sportify dev` tree after a weekly run."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings
from tests.support.factories import befriend, insert_user, insert_workout
from tests.support.smtp import SmtpSink, free_port
from tests.support.stack import settings_env

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy/prometheus/prometheus.local.yml.tmpl"
RULES = REPO / "deploy/prometheus/rules/sportify.rules.yml"
COMPLETED_WEEKLY_RUNS = 'sportify_job_runs_total{job="weekly-events",status="completed"}'


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _three_free_ports() -> int:
    """A base port with base+1 and base+2 free too (`sportify dev` takes all three)."""
    for _ in range(50):
        base = free_port()
        if base < 65000 and all(_port_is_free(base + i) for i in (1, 2)):
            return base
    raise RuntimeError("no three consecutive free ports")


@pytest.fixture
def prometheus_binary() -> str:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail(
            "prometheus is not installed: run scripts/ensure-prometheus.sh (make test does)"
        )
    return binary


def _start(command: list[str], env: dict[str, str] | None, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in reversed(started):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _query(client: httpx.AsyncClient, url: str, expression: str) -> list[float]:
    response = await client.get(f"{url}/api/v1/query", params={"query": expression})
    response.raise_for_status()
    return [float(sample["value"][1]) for sample in response.json()["data"]["result"]]


async def test_prometheus_scrapes_the_completed_weekly_run_from_a_dev_stack(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    prometheus_binary: str,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    ada, bo = await insert_user(engine), await insert_user(engine)
    await befriend(engine, ada, bo)
    await insert_workout(engine, ada, week.start, [("pullups", 10, 20)])
    base = _three_free_ports()
    env = settings_env(
        settings,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(sink.port),
        SCHEDULER_CATCH_UP_PERIODS="0",
        METRICS_PORT=str(base),
    )
    processes.append(
        _start([sys.executable, "-m", "sportify_cli.cli", "dev"], env, tmp_path / "dev.log")
    )
    monitor = f"127.0.0.1:{env['MONITOR_PORT']}"
    async with httpx.AsyncClient(timeout=60) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (await client.get(f"http://{monitor}/readyz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "dev.log").read_text()[-3000:]
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)
        triggered = await client.post(
            f"http://{monitor}/api/events/weekly",
            headers={"Authorization": f"Bearer {env['CRON_SECRET']}"},
        )
        assert triggered.status_code == 200, triggered.text
        assert triggered.json()["processedUsers"] == 2

        web = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            string.Template(TEMPLATE.read_text()).substitute(
                MONITOR_TARGET=monitor,
                SCHEDULER_TARGET=f"127.0.0.1:{base}",
                AGGREGATOR_TARGET=f"127.0.0.1:{base + 1}",
                MAILER_TARGET=f"127.0.0.1:{base + 2}",
                RABBITMQ_TARGET="127.0.0.1:15692",
                RULES_FILE=str(RULES),
                SCRAPE_INTERVAL="1s",
            )
        )
        processes.append(
            _start(
                [
                    prometheus_binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{web}",
                ],
                None,
                tmp_path / "prometheus.log",
            )
        )
        url = f"http://127.0.0.1:{web}"
        deadline = time.monotonic() + 60
        completed: list[float] = []
        up: list[float] = []
        while time.monotonic() < deadline:
            try:
                completed = await _query(client, url, COMPLETED_WEEKLY_RUNS)
                up = await _query(client, url, 'up{service=~"monitor|scheduler|aggregator|mailer"}')
                if completed and max(completed) >= 1 and len(up) == 4:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)

    assert completed, (tmp_path / "prometheus.log").read_text()[-3000:]
    assert max(completed) >= 1
    assert up == [1.0, 1.0, 1.0, 1.0]
