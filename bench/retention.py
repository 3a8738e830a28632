"""Retention benchmark (issue 15): `uv run --frozen python bench/retention.py [--rows N] [--users N]`.

1,000,000 `email_queue` rows over two years (most old enough to be deleted or to have their
bodies cleared), seeded set-wise; the real stack (aggregator, mailer, monitor) as processes.

1. Retention alone (`POST /api/events/retention`): total time, rows per rule, statements, and
   the longest single statement (each batch statement is timed by the job itself and stored
   in its run's `metadata.timings`).
2. A weekly evaluation of `--users` seeded users, alone and with a retention run over a fresh
   1,000,000 rows beside it, alternated `--rounds` times (the machine is shared, so one pair
   is noise): the weekly run must not be slowed by more than 20%.

Targets are read by people; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.evaluation_bench import seeded_database, settle
from bench.support import (
    report,
    running,
    smtp_sink_process,
    stack_env,
    trigger,
    wait_for_count,
    wait_ready,
)
from sportify_common.clock import utc_now
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import load_settings
from sportify_common.vocabulary import WEEKLY

# Two years of mail, oldest first; 92% sent, 4% skipped, 2% failed, 1% pending, 1% retrying.
# Bodies of about 1 KB that do not compress much (hex digests), as rendered summaries hold.
# The owed rows (pending, retrying) are kept by retention whatever their age.
FILL_EMAILS = """
insert into email_queue (id, idempotency_key, recipient, kind, locale, subject, body_text,
                         body_html, headers, status, attempts, next_attempt_at, created_at,
                         updated_at, sent_at)
select gen_random_uuid(), 'bench:' || $2::text || ':' || i, 'user' || (i % 50000) || '@example.test',
       'weekly-summary', 'de', 'Deine Woche',
       repeat(md5(i::text), 8),
       '<p>' || repeat(md5((i + 1)::text), 16) || '</p>',
       '{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}'::jsonb,
       case when i % 100 < 92 then 'sent' when i % 100 < 96 then 'skipped'
            when i % 100 < 98 then 'failed' when i % 100 < 99 then 'pending'
            else 'retrying' end,
       1,
       -- owed rows are not due: the mailer must not send them during the benchmark
       case when i % 100 < 98 then ts else now() + interval '10 years' end,
       ts, ts, ts
  from (select i, now() - (i * (interval '730 days' / $1::int)) as ts
          from generate_series(1, $1::int) as i) as s
"""

EXPECTED = """
select count(*) filter (where created_at < now() - interval '180 days'
                          and status in ('sent', 'skipped', 'failed')) as deleted,
       count(*) filter (where created_at >= now() - interval '180 days'
                          and created_at < now() - interval '30 days'
                          and status in ('sent', 'skipped', 'failed')) as cleared,
       count(*) as rows
  from email_queue where idempotency_key like 'bench:%'
"""


async def fill(url: str, rows: int) -> dict[str, int]:
    """Remove what an earlier round left of the bench rows, then `rows` fresh ones."""
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("delete from email_queue where idempotency_key like 'bench:%'")
        await conn.execute(FILL_EMAILS, rows, utc_now().strftime("%H%M%S%f"))
        expected = dict(await conn.fetchrow(EXPECTED))
    finally:
        await conn.close()
    await settle(url)
    print(f"filled {rows} email_queue rows in {time.perf_counter() - began:.1f} s: {expected}")
    return expected


async def run_timings(url: str, run_id: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        metadata = await conn.fetchval(
            "select metadata::text from job_runs where id = $1::uuid", run_id
        )
    finally:
        await conn.close()
    timings: dict[str, Any] = json.loads(metadata or "{}").get("timings", {})
    return timings


async def timed_trigger(
    stack: Any, path: str, params: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    status, body = await trigger(stack, path, params)
    if status != 200 or body.get("status") != "ok":
        raise RuntimeError(f"{path}: HTTP {status} {body}")
    return time.perf_counter() - began, body


async def weekly(stack: Any, label: str) -> float:
    seconds, _body = await timed_trigger(
        stack, "/api/events/weekly", {WEEKLY.query_param: label, "force": "true"}
    )
    return seconds


async def retention(stack: Any, url: str) -> tuple[float, dict[str, Any], dict[str, Any]]:
    seconds, body = await timed_trigger(stack, "/api/events/retention", {})
    conn = await asyncpg.connect(url)
    try:
        run_id = await conn.fetchval(
            "select id::text from job_runs where job_name = 'retention' "
            "order by created_at desc limit 1"
        )
    finally:
        await conn.close()
    return seconds, body, await run_timings(url, run_id)


async def main(rows: int, users: int, rounds: int) -> None:
    period = latest_closed(PeriodKind.WEEKLY, utc_now(), load_settings().zone)
    label = period.start.astimezone(load_settings().zone).date().isoformat()
    async with seeded_database(period, users, keep=False, reuse=None) as url:
        conn = await asyncpg.connect(url)
        eligible = await conn.fetchval(
            "select count(*) from users where deleted_at is null and email_notifications_enabled "
            "and coalesce(email, '') <> ''"
        )
        await conn.close()
        expected = await fill(url, rows)
        with smtp_sink_process() as smtp_port:
            env = stack_env(url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
            with running(
                ["aggregator", "mailer", "monitor"], env, Path("bench/results/logs")
            ) as stack:
                await wait_ready(stack)

                alone_seconds, counts, timings = await retention(stack, url)
                print(f"retention alone: {alone_seconds:.1f} s {counts}")
                print(f"  timings: {timings}")

                # The first weekly run stores every summary; the measured ones are forced reruns.
                began = time.perf_counter()
                await weekly(stack, label)
                await wait_for_count(
                    url,
                    "select count(*) from email_queue where kind = 'weekly-summary' "
                    "and idempotency_key not like 'bench:%'",
                    eligible,
                )
                print(
                    f"weekly warm-up (stores {eligible} summaries): {time.perf_counter() - began:.1f} s"
                )

                alone: list[float] = []
                beside: list[float] = []
                beside_retention: list[tuple[float, dict[str, Any], dict[str, Any]]] = []
                for round_ in range(rounds):
                    alone.append(await weekly(stack, label))
                    print(f"round {round_ + 1}: weekly alone {alone[-1]:.2f} s")
                    await fill(url, rows)
                    running_retention = asyncio.create_task(retention(stack, url))
                    await asyncio.sleep(1.0)  # retention is under way before the weekly starts
                    beside.append(await weekly(stack, label))
                    still_running = not running_retention.done()
                    beside_retention.append(await running_retention)
                    print(
                        f"round {round_ + 1}: weekly beside retention {beside[-1]:.2f} s "
                        f"(retention {beside_retention[-1][0]:.1f} s, "
                        f"still running when the weekly finished: {still_running})"
                    )

    rows_report = [
        ("rows seeded", str(rows), f"{expected}"),
        ("retention alone", f"{alone_seconds:.1f} s", ""),
        (
            "  emails deleted",
            str(counts["emailsDeleted"]),
            f"{timings.get('emails.statements')} statements, {timings.get('emails.seconds')} s",
        ),
        (
            "  bodies cleared",
            str(counts["emailBodiesCleared"]),
            f"{timings.get('email-bodies.statements')} statements, {timings.get('email-bodies.seconds')} s",
        ),
        (
            "  longest statement",
            f"{timings.get('longestStatementSeconds')} s",
            "each batch <= 5,000 rows, own transaction",
        ),
    ]
    for index, (a, b, (r_seconds, _c, r_timings)) in enumerate(
        zip(alone, beside, beside_retention, strict=True)
    ):
        rows_report.append(
            (
                f"round {index + 1} weekly alone / beside",
                f"{a:.2f} / {b:.2f} s",
                f"{100 * (b / a - 1):+.0f}% (retention beside {r_seconds:.1f} s, "
                f"longest statement {r_timings.get('longestStatementSeconds')} s)",
            )
        )
    slowdown = 100 * (statistics.median(beside) / statistics.median(alone) - 1)
    rows_report.append(("median slowdown", f"{slowdown:+.0f}%", "target <= +20%"))
    report(f"retention over {rows} email_queue rows, weekly run of {users} users", rows_report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="retention benchmark")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.users, args.rounds))
