"""`sportify dev`: the four services as child processes of one parent, stopped together."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from sportify_cli.console_hint import console_url, sign_in_hint
from sportify_common.settings import Settings

logger = logging.getLogger(__name__)

# Under `sportify dev` the scheduler takes METRICS_PORT, the aggregator +1, the mailer +2.
METRICS_PORT_OFFSETS = {"scheduler": 0, "aggregator": 1, "mailer": 2}


def child_environments(settings: Settings, base: dict[str, str]) -> dict[str, dict[str, str]]:
    envs: dict[str, dict[str, str]] = {}
    for service, offset in METRICS_PORT_OFFSETS.items():
        envs[service] = {**base, "METRICS_PORT": str(settings.metrics_port + offset)}
    envs["monitor"] = dict(base)
    return envs


def start_tree(
    settings: Settings, env: dict[str, str] | None = None
) -> dict[str, subprocess.Popen[bytes]]:
    base = dict(os.environ if env is None else env)
    children: dict[str, subprocess.Popen[bytes]] = {}
    for service, child_env in child_environments(settings, base).items():
        children[service] = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "sportify_cli.cli", "run", service], env=child_env
        )
        logger.info("started %s (pid %d)", service, children[service].pid)
    return children


def stop_tree(children: dict[str, subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for service, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0f s; killing it", service, timeout)
            child.kill()
            child.wait()


def run_dev(settings: Settings) -> int:
    children = start_tree(settings)
    logger.info("ops console: %s (%s)", console_url(settings), sign_in_hint(settings))
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        logger.info("received %s; stopping the services", signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    exit_code = 0
    while not stopping:
        for service, child in children.items():
            code = child.poll()
            if code is not None:
                logger.error("%s exited with %s; stopping the others", service, code)
                exit_code, stopping = code or 1, True
                break
        time.sleep(0.5)
    stop_tree(children)
    return exit_code
