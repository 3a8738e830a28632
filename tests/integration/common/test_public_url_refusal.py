"""A service started with a public URL that is not https (and not loopback) refuses to start,
naming the variable (SPEC 4.3, 9): `sportify run <service>` as a process."""

from __future__ import annotations

import asyncio
import os
import re
import sys

import pytest

from sportify_common.settings import Settings
from tests.support.stack import settings_env


@pytest.mark.parametrize(
    ("service", "variable"),
    [("monitor", "EVENTS_BASE_URL"), ("aggregator", "FRONTEND_URL"), ("mailer", "EVENTS_BASE_URL")],
)
async def test_a_service_with_a_plain_http_public_url_refuses_to_start(
    settings: Settings, service: str, variable: str
) -> None:
    env = settings_env(settings) | {variable: "http://ops.sportify.example"}
    env.pop("FRONTEND_URL" if variable == "EVENTS_BASE_URL" else "EVENTS_BASE_URL", None)

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sportify_cli.cli",
        "run",
        service,
        env=env,
        cwd=os.getcwd(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 2
    message = stderr.decode()
    assert re.search(f"{variable}: .*must be https://", message), message
    assert "http://ops.sportify.example" in message
