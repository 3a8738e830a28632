"""The services as real processes (`python -m sportify_cli.cli run <svc>`), for e2e and
fault tests: configured through the environment exactly as in production."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sportify_common.settings import Settings
from tests.support.smtp import free_port


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMTP_", "EVENTS_", "SCHEDULE", "ALERT_", "CRON_", "ADMIN_", "OTEL_"))
    }
    env |= {
        "DATABASE_URL": settings.database_url,
        "AMQP_URL": settings.amqp_url,
        "AMQP_NAMESPACE": settings.amqp_namespace,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "EVENTS_UTC_OFFSET_MINUTES": str(settings.utc_offset_minutes),
        "EVENTS_TRIGGER_WAIT_SECONDS": str(settings.events_trigger_wait_seconds),
        "LOG_LEVEL": "INFO",
        "MONITOR_PORT": str(free_port()),
    }
    if settings.events_timezone:
        env["EVENTS_TIMEZONE"] = settings.events_timezone
    if settings.cron_secret is not None:
        env["CRON_SECRET"] = settings.cron_secret.get_secret_value()
    if settings.admin_api_token is not None:
        env["ADMIN_API_TOKEN"] = settings.admin_api_token.get_secret_value()
    if settings.alert_email:
        env["ALERT_EMAIL"] = settings.alert_email
    if settings.alert_webhook_url:
        env["ALERT_WEBHOOK_URL"] = settings.alert_webhook_url
    for name, value in (
        ("EVENTS_BASE_URL", settings.events_base_url),
        ("FRONTEND_URL", settings.frontend_url),
    ):
        env.pop(name, None)
        if value:
            env[name] = value
    return env | extra


@dataclass
class ServiceStack:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.env['MONITOR_PORT']}"

    def start(self, service: str, name: str | None = None, **extra: str) -> subprocess.Popen[bytes]:
        key = name or service
        env = {**self.env, "METRICS_PORT": str(free_port()), **extra}
        with (self.log_dir / f"{key}.log").open("ab") as log:  # the child keeps its own copy
            process = subprocess.Popen(  # noqa: S603 - our own entry point
                [sys.executable, "-m", "sportify_cli.cli", "run", service],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[key] = process
        return process

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def terminate(self, name: str, timeout: float = 60) -> int:
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise AssertionError(f"{name} exited early:\n{self.log(name)[-3000:]}")
                try:
                    if (await client.get(self.monitor_url + "/readyz")).status_code == 200:
                        await asyncio.sleep(1.5)  # the consumers of the other services subscribe
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError("the monitor did not become ready")

    async def post(
        self, path: str, *, secret: str | None = None, timeout: float = 120, **params: str
    ) -> httpx.Response:
        token = secret if secret is not None else self.env["CRON_SECRET"]
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await client.post(
                self.monitor_url + path, params=params, headers={"Authorization": f"Bearer {token}"}
            )

    async def get(self, path: str, *, secret: str | None = None) -> httpx.Response:
        token = (
            secret
            if secret is not None
            else self.env.get("ADMIN_API_TOKEN", self.env["CRON_SECRET"])
        )
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.get(
                self.monitor_url + path, headers={"Authorization": f"Bearer {token}"}
            )


async def json_of(response: httpx.Response) -> Any:
    return response.json()
