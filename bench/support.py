"""Shared benchmark plumbing: a throwaway database, the services as real processes, timings.

Benchmarks print figures; they never assert on time (targets are read by people)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
import httpx

from sportify_common.broker import delete_namespace
from sportify_common.db.migrate import upgrade_to_head

SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
CRON_SECRET = "bench-cron-secret"  # noqa: S105 - a throwaway stack on loopback


def with_database(url: str, name: str) -> str:
    scheme, rest = url.split("://", 1)
    parts = urlsplit(f"{scheme.split('+')[0]}://{rest}")
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def throwaway_database(keep: bool = False) -> AsyncIterator[str]:
    name = f"sportify_bench_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(with_database(SERVER_URL, "postgres"))
    await admin.execute(f'create database "{name}"')
    await admin.close()
    url = with_database(SERVER_URL, name)
    await upgrade_to_head("postgresql+asyncpg://" + url.split("://", 1)[1])
    try:
        yield url
    finally:
        if not keep:
            admin = await asyncpg.connect(with_database(SERVER_URL, "postgres"))
            await admin.execute(f'drop database if exists "{name}" with (force)')
            await admin.close()


@dataclass
class Stack:
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def monitor(self) -> str:
        return f"http://127.0.0.1:{self.env['MONITOR_PORT']}"

    def peak_rss_mb(self, service: str) -> float:
        """VmHWM: the process's peak resident set size."""
        status = Path(f"/proc/{self.processes[service].pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu_seconds(pid: int | str) -> float:
    """utime + stime of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def server_cpu_seconds() -> dict[str, float]:
    """PostgreSQL's and RabbitMQ's processes (by command name) and the benchmark's aiosmtpd
    sink (`python -m aiosmtpd`, by command line), in one pass over /proc."""
    totals = {"postgresql": 0.0, "rabbitmq": 0.0, "smtp sink": 0.0}
    groups = {"postgres": "postgresql", "beam.smp": "rabbitmq"}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = groups.get((entry / "comm").read_text().strip())
            if group is None and b"aiosmtpd" in (entry / "cmdline").read_bytes().split(b"\0")[1:3]:
                group = "smtp sink"
        except (FileNotFoundError, ProcessLookupError):
            continue
        if group is not None:
            totals[group] += _process_cpu_seconds(entry.name)
    return totals


class DatabaseCpu:
    """CPU seconds of the PostgreSQL processes serving one database (its backends and their
    parallel workers), sampled every `interval` seconds: the machine is shared, so the
    server-wide figure also counts other people's work. A process that ends between two
    samples loses at most its last `interval` of CPU."""

    def __init__(self, database_url: str, interval: float = 0.5) -> None:
        self._url = database_url
        self._interval = interval
        self._seen: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def seconds(self) -> float:
        return sum(self._seen.values())

    async def __aenter__(self) -> DatabaseCpu:
        conn = await asyncpg.connect(self._url)
        name = await conn.fetchval("select current_database()")
        # What its backends had used before (long-lived pools): not this measurement's.
        self._base = {pid: _process_cpu_seconds(pid) for pid in await self._pids(conn, name)}
        self._task = asyncio.create_task(self._sample(conn, name))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @staticmethod
    async def _pids(conn: asyncpg.Connection, name: str) -> list[int]:
        rows = await conn.fetch(
            "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", name
        )
        return [int(r["pid"]) for r in rows]

    async def _sample(self, conn: asyncpg.Connection, name: str) -> None:
        try:
            while True:
                for pid in await self._pids(conn, name):
                    used = _process_cpu_seconds(pid) - self._base.get(pid, 0.0)
                    if used > 0:
                        self._seen[pid] = used
                await asyncio.sleep(self._interval)
        finally:
            await conn.close()


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far: each service, PostgreSQL, RabbitMQ, the SMTP sink, this
    benchmark, the machine.

    Two snapshots' difference says where a run's CPU went (PostgreSQL backends that ended in
    between are not counted, so its figure is a lower bound).
    """
    snapshot = {service: _process_cpu_seconds(p.pid) for service, p in stack.processes.items()}
    snapshot.update(server_cpu_seconds())
    own = os.times()
    snapshot["benchmark"] = own.user + own.system
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(cpu[3]) + int(cpu[4])
    snapshot["machine busy"] = (sum(int(x) for x in cpu) - idle) / _CLOCK_TICKS
    snapshot["machine total"] = sum(int(x) for x in cpu) / _CLOCK_TICKS
    return snapshot


def cpu_report(before: dict[str, float], after: dict[str, float]) -> str:
    used = {k: after[k] - before.get(k, 0.0) for k in after}
    wall_cores = used.pop("machine total")
    busy = used.pop("machine busy")
    parts = ", ".join(f"{k} {v:.1f}" for k, v in used.items())
    share = 100 * busy / wall_cores if wall_cores else float("nan")
    return f"CPU seconds: {parts}; machine {busy:.1f} of {wall_cores:.1f} ({share:.0f}% busy)"


def stack_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "AMQP_URL": AMQP_URL,
        "AMQP_NAMESPACE": f"bench-{uuid4().hex[:8]}",
        "CRON_SECRET": CRON_SECRET,
        "MONITOR_PORT": str(free_port()),
        "EVENTS_TRIGGER_WAIT_SECONDS": "600",
        "JOB_TIMEOUT_SECONDS": "1800",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def replica_names(service: str, count: int) -> list[str]:
    """`running`'s names of `count` replicas of `service`: mailer, mailer-2, mailer-3, ..."""
    return [service if i == 1 else f"{service}-{i}" for i in range(1, count + 1)]


@contextmanager
def running(services: list[str], env: dict[str, str], log_dir: Path) -> Iterator[Stack]:
    """The services as processes; a name `mailer-2` (`replica_names`) is a second mailer."""
    stack = Stack(env)
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        for service in services:
            service_env = {**env, "METRICS_PORT": str(free_port())}
            log = (log_dir / f"{service}.log").open("wb")
            stack.processes[service] = subprocess.Popen(  # noqa: S603 - our own entry point
                [sys.executable, "-m", "sportify_cli.cli", "run", service.split("-")[0]],
                env=service_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        yield stack
    finally:
        for process in stack.processes.values():
            process.terminate()
        for process in stack.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        # Called from inside the benchmark's event loop: clean up on a thread of its own.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(
                asyncio.run, delete_namespace(env["AMQP_URL"], env["AMQP_NAMESPACE"])
            ).result()


async def wait_ready(stack: Stack, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(stack.monitor + "/readyz")).status_code == 200:
                    await asyncio.sleep(1.0)  # let the other services finish declaring queues
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError("the monitor did not become ready")


async def trigger(stack: Stack, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=900) as client:
        response = await client.post(
            stack.monitor + path, params=params, headers={"Authorization": f"Bearer {CRON_SECRET}"}
        )
    return response.status_code, response.json()


async def timed_sql(database_url: str, sql: str, *args: Any, repeat: int = 2) -> float:
    """The best of `repeat` runs of `sql` (the first warms the cache)."""
    conn = await asyncpg.connect(database_url)
    try:
        best = float("inf")
        for _ in range(repeat):
            began = time.perf_counter()
            await conn.fetch(sql, *args)
            best = min(best, time.perf_counter() - began)
        return best
    finally:
        await conn.close()


async def wait_for_count(
    database_url: str, sql: str, expected: int, *args: Any, timeout: float = 600
) -> float:
    """Poll until `sql` returns at least `expected`; the moment it did (perf_counter)."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if int(await conn.fetchval(sql, *args)) >= expected:
                return time.perf_counter()
            await asyncio.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {expected} from {sql}")
    finally:
        await conn.close()


async def wait_for_rows(
    database_url: str, count_sql: str, expected: int, moment_sql: str, *args: Any, timeout: float
) -> float:
    """Wait until `count_sql` returns at least `expected`, then the moment (perf_counter) the
    last of them was written: `moment_sql` returns that row's timestamp (written by the
    services from the same clock).

    The count reads a growing table: polled every 0.1 s it took a core of PostgreSQL at
    1,000,000 rows, so it waits 20 times its own duration (at least 0.2 s) between polls,
    and the moment comes from the rows themselves, not from when a poll saw them."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            began = time.perf_counter()
            if int(await conn.fetchval(count_sql, *args)) >= expected:
                moment = await conn.fetchval(moment_sql, *args)
                return float(moment.timestamp()) - (time.time() - time.perf_counter())
            await asyncio.sleep(max(0.2, 20 * (time.perf_counter() - began)))
        raise RuntimeError(f"timed out waiting for {expected} from {count_sql}")
    finally:
        await conn.close()


@contextmanager
def smtp_sink_process() -> Iterator[int]:
    """aiosmtpd's discarding Sink in its own process, so it does not share our event loop."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - aiosmtpd from this environment
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(10)


def report(title: str, rows: list[tuple[str, str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>14}  {target}")
