"""Time GET /api/admin/monitoring on a throwaway database with ~1M job_runs and 1M email_queue rows.

    uv run --frozen python bench/monitoring.py [--rows 1000000] [--requests 50]

Server from DATABASE_URL (else postgresql://postgres@127.0.0.1:5432/postgres); RabbitMQ from
AMQP_URL (else amqp://guest:guest@127.0.0.1:5672/). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import aio_pika
import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from sportify_common.db.migrate import upgrade_to_head
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import EmailKind
from sportify_common.settings import load_settings
from sportify_common.vocabulary import EmailStatus, sql_literals
from sportify_monitor.app import create_app

TOKEN = "bench-admin-token"  # noqa: S105 - a throwaway token for the benchmark app

# The vocabulary's words as SQL literals, for the fill statements below.
_JOBS = sql_literals(JobName)
_COMPLETED, _FAILED, _RUNNING, _PENDING = (
    sql_literals([s])
    for s in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.RUNNING, JobStatus.PENDING)
)
_DISPATCH = sql_literals([JobName.EMAILS_DISPATCH])
_WEEKLY, _MONTHLY, _ALERT = (
    sql_literals([k])
    for k in (EmailKind.WEEKLY_SUMMARY, EmailKind.MONTHLY_SUMMARY, EmailKind.ALERT)
)
_E_PENDING, _E_RETRYING, _E_SENT, _E_FAILED, _E_SKIPPED = (
    sql_literals([s])
    for s in (
        EmailStatus.PENDING,
        EmailStatus.RETRYING,
        EmailStatus.SENT,
        EmailStatus.FAILED,
        EmailStatus.SKIPPED,
    )
)

# Realistic mixes: nearly every run completes; a few fail; a handful of recent runs are live.
FILL_JOB_RUNS = f"""
insert into job_runs (id, job_name, scheduled_for, status, started_at, completed_at, metadata,
                      created_at)
select gen_random_uuid(),
       (array[{_JOBS}])[1 + (i % 4)],
       ts,
       case when i % 50 = 0 then {_FAILED} else {_COMPLETED} end,
       ts + interval '1 second',
       ts + interval '5 seconds',
       jsonb_build_object('trigger', 'cron', 'attempt', 1),
       ts
  from (select i, now() - (i * (interval '2 years' / $1::int)) as ts
          from generate_series(1, $1::int) as i) as s
"""
LIVE_RUNS = f"""
insert into job_runs (id, job_name, scheduled_for, status, started_at, metadata, created_at)
select gen_random_uuid(), {_DISPATCH}, now() + i * interval '1 second',
       case when i <= 3 then {_RUNNING} else {_PENDING} end,
       case when i <= 3 then now() - i * interval '40 minutes' else null end,
       '{{}}'::jsonb, now() - i * interval '40 minutes'
  from generate_series(1, 6) as i
"""
FILL_EMAILS = f"""
insert into email_queue (id, idempotency_key, recipient, user_id, kind, locale, subject, body_text,
                         body_html, status, attempts, error, failed_after_retries,
                         next_attempt_at, created_at, updated_at, sent_at)
select gen_random_uuid(), 'bench:' || i, 'user' || (i % 50000) || '@example.test', null,
       case when i % 100 = 0 then {_ALERT} when i % 5 = 0 then {_MONTHLY}
            else {_WEEKLY} end,
       'de', 'Deine Woche bei Sportify', 'text', '<p>html</p>',
       st,
       case when st = {_E_FAILED} then 3 when st = {_E_RETRYING} then 1 else 1 end,
       case when st in ({_E_FAILED}, {_E_RETRYING}) then '451 4.3.0 try again' else null end,
       st = {_E_FAILED} and i % 2 = 0,
       ts, ts, ts,
       case when st = {_E_SENT} then ts + interval '2 seconds' else null end
  from (select i, now() - (i * (interval '2 years' / $1::int)) as ts,
               case when i % 97 = 0 then {_E_FAILED} when i % 89 = 0 then {_E_SKIPPED}
                    when i < 200 and i % 7 = 0 then {_E_RETRYING}
                    when i < 100 and i % 5 = 0 then {_E_PENDING} else {_E_SENT} end as st
          from generate_series(1, $1::int) as i) as s
"""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.split("+")[0], parts.netloc, f"/{name}", "", ""))


async def _fill(url: str, rows: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await conn.execute(FILL_JOB_RUNS, rows)
        await conn.execute(LIVE_RUNS)
        await conn.execute(FILL_EMAILS, rows)
        await conn.execute("analyze job_runs")
        await conn.execute("analyze email_queue")
        await conn.execute("vacuum (analyze) job_runs")
        await conn.execute("vacuum (analyze) email_queue")
        print(
            f"filled {rows:,} job_runs and {rows:,} email_queue rows in "
            f"{time.perf_counter() - started:.1f} s"
        )
    finally:
        await conn.close()


async def _time_requests(database_url: str, amqp_url: str, requests: int) -> list[float]:
    settings = load_settings(
        database_url=database_url,
        amqp_url=amqp_url,
        amqp_namespace=f"bench-{uuid4().hex[:8]}",
        admin_api_token=SecretStr(TOKEN),
    )
    app = create_app(settings)
    timings: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://bench"
        ) as client,
    ):
        warm = await client.get("/api/admin/monitoring", headers=headers)
        warm.raise_for_status()
        document = warm.json()
        print(
            f"document: {len(document['jobs']['stats'])} job stats, "
            f"{len(document['jobs']['recentFailures'])} failure rows, "
            f"{len(document['jobs']['stuckJobs'])} stuck, "
            f"{len(document['emails']['stats'])} email stats, "
            f"{len(document['emails']['recent'])} recent emails"
        )
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.get("/api/admin/monitoring", headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        started = time.perf_counter()
        (await client.get("/metrics")).raise_for_status()
        print(f"/metrics with a gauge refresh: {(time.perf_counter() - started) * 1000:.1f} ms")
    await _drop_topology(amqp_url, settings.amqp_namespace)
    return timings


async def _drop_topology(amqp_url: str, namespace: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in (f"{namespace}.monitor.jobs.cleanup", f"{namespace}.monitor.jobs.cleanup.dlq"):
            await channel.queue_delete(queue)
        for exchange in (namespace, f"{namespace}.dead-letter"):
            await channel.exchange_delete(exchange)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    name = f"sportify_bench_{uuid4().hex[:10]}"
    admin = await asyncpg.connect(_with_database(server, "postgres"))
    await admin.execute(f'create database "{name}"')
    url = _with_database(server, name)
    try:
        await upgrade_to_head(url.replace("postgresql://", "postgresql+asyncpg://", 1))
        await _fill(url, args.rows)
        timings = sorted(await _time_requests(url, amqp_url, args.requests))
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"GET /api/admin/monitoring x{len(timings)}: p50 {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target < 300 ms)"
        )
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
