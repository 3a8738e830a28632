"""One benchmark for both evaluations: seed, time bare SQL, trigger, wait for emails stored."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.support import (
    cpu_report,
    cpu_snapshot,
    report,
    running,
    smtp_sink_process,
    stack_env,
    throwaway_database,
    timed_sql,
    trigger,
    wait_for_count,
    wait_ready,
)
from sportify_common.clock import utc_now
from sportify_common.periods import Period, PeriodKind, latest_closed
from sportify_common.seed import SeedPlan, seed
from sportify_common.settings import load_settings

BARE_AGGREGATION = """
select w.user_id, sum(a.points), count(*)
  from workouts w join workout_activities a on a.workout_id = w.id
 where w.start_time >= $1 and w.start_time < $2
 group by w.user_id
"""


RESULT_TABLES = (
    "email_queue, job_runs, weekly_results, leaderboard_results, monthly_results, "
    "user_badges, awards"
)


async def settle(url: str) -> None:
    """Vacuum, analyze and checkpoint after the bulk load, as a long-lived database would be:
    otherwise the run pays for setting hint bits on 1-5 M fresh rows and races autovacuum."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("vacuum (analyze)")
        await conn.execute("checkpoint")
    finally:
        await conn.close()


@asynccontextmanager
async def seeded_database(
    period: Period, users: int, keep: bool, reuse: str | None
) -> AsyncIterator[str]:
    """A throwaway database seeded for `period`, or (`reuse`) one seeded by an earlier run with
    its results, runs and emails emptied, so the run starts as the first of its period."""
    if reuse is not None:
        conn = await asyncpg.connect(reuse)
        await conn.execute(f"truncate {RESULT_TABLES}")
        await conn.close()
        await settle(reuse)
        print(f"reusing {reuse} (results, runs and emails emptied)")
        yield reuse
        return
    weeks = max(1, round((period.end - period.start) / timedelta(weeks=1)))
    async with throwaway_database(keep=keep) as url:
        began = time.perf_counter()
        await seed(
            load_settings(database_url=url),
            SeedPlan(
                users=users,
                weeks=weeks,
                activities_per_week=12,
                end=period.end - timedelta(seconds=1),
            ),
        )
        print(f"seeded {users} users in {time.perf_counter() - began:.1f} s")
        await settle(url)
        yield url


async def run(
    kind: PeriodKind, users: int, keep: bool, reuse: str | None, targets: dict[str, float]
) -> None:
    now = utc_now()
    period = latest_closed(kind, now, load_settings().zone)
    async with seeded_database(period, users, keep, reuse) as url:
        conn = await asyncpg.connect(url)
        activities = await conn.fetchval(
            "select count(*) from workout_activities a join workouts w on w.id = a.workout_id "
            "where w.start_time >= $1 and w.start_time < $2",
            period.start,
            period.end,
        )
        eligible = await conn.fetchval(
            "select count(*) from users where deleted_at is null and email_notifications_enabled "
            "and coalesce(email, '') <> ''"
        )
        user_count = await conn.fetchval("select count(*) from users")
        await conn.close()
        print(f"{user_count} users, {activities} activities in {period.label}")
        bare = await timed_sql(url, BARE_AGGREGATION, period.start, period.end)

        with smtp_sink_process() as smtp_port:
            env = stack_env(url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
            status, body, triggered, answered, stored, aggregator_mb, mailer_mb = await _measure(
                kind, period.label, url, env, eligible
            )
        conn = await asyncpg.connect(url)
        metadata = await conn.fetchval(
            "select metadata::text from job_runs where id = $1::uuid", body.get("jobRunId")
        )
        await conn.close()
    timings = json.loads(metadata or "{}").get("timings", {})
    results_s = timings.get("resultsSeconds")
    report(
        f"{kind.value} evaluation, {user_count} users, {activities} activities (HTTP {status})",
        [
            ("bare SQL aggregation", f"{bare:.2f} s", "baseline"),
            (
                "results committed",
                f"{results_s:.2f} s" if results_s else "n/a",
                f"target <= 3x bare = {3 * bare:.2f} s"
                + (f" (ratio {results_s / bare:.1f}x)" if results_s else ""),
            ),
            ("trigger -> run completed", f"{answered - triggered:.2f} s", "all emails requested"),
            (
                "trigger -> emails stored",
                f"{stored - triggered:.2f} s",
                f"target < {targets['whole']:.0f} s ({eligible} emails in email_queue)",
            ),
            (
                "aggregator peak RSS",
                f"{aggregator_mb:.0f} MB",
                f"target < {targets['memory']:.0f} MB",
            ),
            ("mailer peak RSS", f"{mailer_mb:.0f} MB", ""),
            ("processed users", str(body.get("processedUsers")), ""),
        ],
    )


async def _measure(
    kind: PeriodKind, label: str, url: str, env: dict[str, str], eligible: int
) -> tuple[int, dict[str, Any], float, float, float, float, float]:
    path = "/api/events/weekly" if kind is PeriodKind.WEEKLY else "/api/events/monthly"
    params = {"weekStart": label} if kind is PeriodKind.WEEKLY else {"month": label}
    with running(["aggregator", "mailer", "monitor"], env, Path("bench/results/logs")) as stack:
        await wait_ready(stack)
        cpu_before = cpu_snapshot(stack)
        triggered = time.perf_counter()
        status, body = await trigger(stack, path, params)
        answered = time.perf_counter()
        stored = await wait_for_count(
            url,
            "select count(*) from email_queue where kind = $1",
            eligible,
            f"{kind.value}-summary",
        )
        print(cpu_report(cpu_before, cpu_snapshot(stack)))
        aggregator_mb = stack.peak_rss_mb("aggregator")
        mailer_mb = stack.peak_rss_mb("mailer")
    return status, body, triggered, answered, stored, aggregator_mb, mailer_mb


def main(kind: PeriodKind, whole_target: float) -> None:
    parser = argparse.ArgumentParser(description=f"{kind.value} evaluation benchmark")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", metavar="DATABASE_URL", help="a database kept (--keep) by an earlier run"
    )
    args = parser.parse_args()
    asyncio.run(
        run(kind, args.users, args.keep, args.reuse, {"whole": whole_target, "memory": 500})
    )
