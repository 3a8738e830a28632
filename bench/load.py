"""Load on the monitor: N concurrent HTTP clients for S seconds against a real stack.

    uv run --frozen python bench/load.py [--clients 100] [--seconds 60] [--rows 100000]
                                         [--users 500] [--monitor-only]

A throwaway database gets ~`--rows` job_runs and email_queue rows (bench/monitoring.py's
fill) and `--users` seeded users; the monitor, aggregator and mailer run as real processes
(`sportify run <service>`) with an SMTP sink, so triggers resolve. After one warm-up weekly
run, every client loops (without think time unless --think-ms) over a weighted mix:

    GET  /api/admin/monitoring        70 %
    GET  /api/admin/jobs              10 %
    GET  /api/admin/jobs/{id}         10 %  (ids of existing runs)
    POST /api/events/weekly            5 %  (the warm-up completed it: answers skipped)
    POST /api/events/emails/dispatch   5 %  (each a new run: the mailer drains due rows)

Per endpoint: requests, errors (transport errors, and any status that is not 2xx or an
expected 409), p50/p99/max latency. Target: 0 errors, p99 < 200 ms for the monitoring
document. `--monitor-only` runs the monitor alone (the weekly trigger then only takes the
skipped path, after a completed run is inserted; dispatch is left out).
Server from DATABASE_URL / AMQP_URL as in bench/support.py. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg
import httpx

from bench.monitoring import FILL_EMAILS, FILL_JOB_RUNS, LIVE_RUNS
from bench.support import (
    CRON_SECRET,
    Stack,
    cpu_report,
    cpu_snapshot,
    running,
    smtp_sink_process,
    stack_env,
    throwaway_database,
    wait_ready,
)
from sportify_cli.seed import SeedPlan, seed
from sportify_common.clock import utc_now
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import load_settings

HEADERS = {"Authorization": f"Bearer {CRON_SECRET}"}  # admin falls back to the cron secret
MONITORING = "GET /api/admin/monitoring"
JOBS = "GET /api/admin/jobs"
JOB = "GET /api/admin/jobs/{id}"
WEEKLY = "POST /api/events/weekly"
DISPATCH = "POST /api/events/emails/dispatch"
MIX = {MONITORING: 70, JOBS: 10, JOB: 10, WEEKLY: 5, DISPATCH: 5}
EXPECTED_NON_2XX = {WEEKLY: {409}, DISPATCH: {409}}
MONITORING_P99_TARGET_MS = 200.0


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: int = 0


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def fill(url: str, rows: int, users: int, monitor_only: bool) -> list[str]:
    """Data the monitor reads, users the weekly run evaluates; ids for GET /jobs/{id}."""
    started = time.perf_counter()
    now = utc_now()
    week = latest_closed(PeriodKind.WEEKLY, now, load_settings().zone)
    await seed(
        load_settings(database_url=url),
        SeedPlan(users=users, weeks=1, activities_per_week=8, end=week.end - timedelta(seconds=1)),
    )
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(FILL_JOB_RUNS, rows)
        await conn.execute(LIVE_RUNS)
        await conn.execute(FILL_EMAILS, rows)
        if monitor_only:  # the weekly trigger can only take the skipped path
            await conn.execute(
                "insert into job_runs (id, job_name, scheduled_for, status, started_at, "
                "completed_at, metadata) values (gen_random_uuid(), 'weekly-events', $1, "
                '\'completed\', $2, $2, \'{"trigger": "cron", "attempt": 1}\'::jsonb)',
                week.end,
                now,
            )
        await conn.execute("vacuum (analyze) job_runs")
        await conn.execute("vacuum (analyze) email_queue")
        ids = [
            str(r["id"])
            for r in await conn.fetch("select id from job_runs order by random() limit 500")
        ]
    finally:
        await conn.close()
    print(
        f"filled {rows:,} job_runs, {rows:,} email_queue rows and {users} users "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return ids


@dataclass
class Workload:
    """What every client loop shares: the request mix, the job ids, the end, the samples."""

    mix: dict[str, int]
    ids: list[str]
    deadline: float
    think: float
    samples: dict[str, Samples] = field(default_factory=lambda: defaultdict(Samples))


async def client_loop(session: aiohttp.ClientSession, work: Workload) -> None:
    names, weights = list(work.mix), list(work.mix.values())
    rng = random.Random()
    while time.monotonic() < work.deadline:
        name = rng.choices(names, weights)[0]
        method, path = name.split(" ", 1)
        if name == JOB:
            path = path.replace("{id}", rng.choice(work.ids))
        record = work.samples[name]
        if work.think:
            await asyncio.sleep(rng.uniform(0, 2 * work.think))  # mean `think` seconds
        started = time.perf_counter()
        try:
            async with session.request(method, path) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            record.errors += 1
            record.statuses["transport-error"] += 1
            continue
        record.latencies_ms.append((time.perf_counter() - started) * 1000)
        record.statuses[str(status)] += 1
        ok = 200 <= status < 300 or status in EXPECTED_NON_2XX.get(name, set())
        if not ok:
            record.errors += 1


async def run_clients(stack: Stack, clients: int, work: Workload) -> None:
    """`clients` concurrent loops, each with a connection of its own (aiohttp: light on CPU,
    so the load generator does not starve the monitor it measures on a 2-core machine)."""
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(
        base_url=stack.monitor,
        headers=HEADERS,
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=60),
    ) as session:
        await asyncio.gather(*(client_loop(session, work) for _ in range(clients)))


async def warm_up(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.monitor, headers=HEADERS, timeout=120) as client:
        started = time.perf_counter()
        response = await client.post("/api/events/weekly")
        body = response.json()
        print(
            f"warm-up weekly run: HTTP {response.status_code} in "
            f"{time.perf_counter() - started:.1f} s (skipped={body.get('skipped')}, "
            f"processedUsers={body.get('processedUsers')})"
        )
        for _ in range(3):
            (await client.get("/api/admin/monitoring")).raise_for_status()


def report(samples: dict[str, Samples], seconds: float, clients: int) -> bool:
    total = sum(
        len(s.latencies_ms) + s.statuses.get("transport-error", 0) for s in samples.values()
    )
    print(f"\n{clients} clients for {seconds:.0f} s: {total:,} requests ({total / seconds:.0f}/s)")
    header = (
        f"  {'endpoint':<34} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    print(header + "  statuses")
    met = True
    for name in MIX:
        record = samples.get(name)
        if record is None:
            continue
        values = sorted(record.latencies_ms)
        p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
        statuses = ", ".join(f"{k}:{v}" for k, v in sorted(record.statuses.items()))
        print(
            f"  {name:<34} {len(values):>7} {record.errors:>6} {p50:>8.1f} {p99:>8.1f} "
            f"{(values[-1] if values else float('nan')):>8.1f}  {statuses}"
        )
        met = met and record.errors == 0
        if name == MONITORING:
            met = met and p99 < MONITORING_P99_TARGET_MS
    verdict = "met" if met else "MISSED"
    print(
        f"target (0 errors, p99 < {MONITORING_P99_TARGET_MS:.0f} ms for the monitoring document): {verdict}"
    )
    return met


async def run(args: argparse.Namespace) -> None:
    services = ["monitor"] if args.monitor_only else ["aggregator", "mailer", "monitor"]
    mix = {k: v for k, v in MIX.items() if not (args.monitor_only and k == DISPATCH)}
    async with throwaway_database(keep=args.keep) as url:
        ids = await fill(url, args.rows, args.users, args.monitor_only)
        with smtp_sink_process() as smtp_port:
            env = stack_env(
                url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp_port),
                EVENTS_TRIGGER_WAIT_SECONDS=str(args.trigger_wait),
            )
            with running(services, env, Path("bench/results/logs/load")) as stack:
                await wait_ready(stack)
                await warm_up(stack)
                cpu_before = cpu_snapshot(stack)
                began = time.monotonic()
                work = Workload(mix, ids, began + args.seconds, args.think_ms / 1000)
                await run_clients(stack, args.clients, work)
                elapsed = time.monotonic() - began
                cpu = cpu_report(cpu_before, cpu_snapshot(stack))
        report(work.samples, elapsed, args.clients)
        print(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rows", type=int, default=100_000, help="job_runs and email_queue rows")
    parser.add_argument("--users", type=int, default=500, help="seeded users for the weekly run")
    parser.add_argument(
        "--trigger-wait", type=float, default=10.0, help="EVENTS_TRIGGER_WAIT_SECONDS"
    )
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause between a client's requests"
    )
    parser.add_argument("--monitor-only", action="store_true", help="no aggregator or mailer")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
