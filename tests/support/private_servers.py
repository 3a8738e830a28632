"""Private PostgreSQL and RabbitMQ servers that a fault test may stop and start at will,
without disturbing the shared ones other tests use. They run as the `postgres` and
`rabbitmq` users from Debian's packages (the tests run as root, as CI does)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from tests.support.smtp import free_port


def _wait_for_port(port: int, timeout: float, up: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not {'open' if up else 'close'} within {timeout} s")


def _as(user: str, *command: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - fixed commands from Debian's packages
        ["runuser", "-u", user, "--", *command],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
    return result.stdout


class PrivatePostgres:
    def __init__(self) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2])
        )
        if not versions:
            raise RuntimeError(
                "PostgreSQL's server binaries are not installed (run `make services`)"
            )
        self.bin = Path(versions[-1])
        self.base = Path(tempfile.mkdtemp(prefix="sportify-pg-"))
        self.port = free_port()
        shutil.chown(self.base, "postgres")
        self.base.chmod(0o755)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PrivatePostgres:
        data = self.base / "data"
        if not data.exists():
            _as(
                "postgres",
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            )
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as(
            "postgres",
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "-w",
            "start",
        )
        _wait_for_port(self.port, 30)
        return self

    def stop(self) -> None:
        _as(
            "postgres",
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.base / "data"),
            "-m",
            "fast",
            "-w",
            "stop",
        )
        _wait_for_port(self.port, 30, up=False)

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRabbit:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="sportify-rabbit-"))
        self.port = free_port()
        self.node = f"sf{uuid4().hex[:8]}@localhost"
        (self.base / "mnesia").mkdir()
        (self.base / "log").mkdir()
        (self.base / "rabbitmq.conf").write_text(
            f"loopback_users = none\nlisteners.tcp.default = {self.port}\n"
        )
        (self.base / "enabled_plugins").write_text("[].\n")
        for path in [self.base, *self.base.rglob("*")]:
            shutil.chown(path, "rabbitmq", "rabbitmq")
        self.base.chmod(0o755)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/lib/rabbitmq/bin:/usr/sbin",
            "HOME": str(self.base),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _ctl(self, *args: str) -> str:
        return _as(
            "rabbitmq", "/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, *args, env=self.env
        )

    def start(self) -> PrivateRabbit:
        _as("rabbitmq", "/usr/lib/rabbitmq/bin/rabbitmq-server", "-detached", env=self.env)
        # `await_startup` fails at once while the detached node has not yet registered with
        # epmd (slow under load): ask again until it answers.
        deadline = time.monotonic() + 90
        while True:
            time.sleep(1)
            try:
                self._ctl("await_startup", "--timeout", "90")
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    self.destroy()
                    raise
        _wait_for_port(self.port, 60)
        return self

    def stop_app(self) -> None:
        self._ctl("stop_app")
        _wait_for_port(self.port, 30, up=False)

    def start_app(self) -> None:
        self._ctl("start_app")
        _wait_for_port(self.port, 60)

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._ctl("stop")
        shutil.rmtree(self.base, ignore_errors=True)
