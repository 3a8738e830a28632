"""One benchmark for both evaluations: seed, time bare SQL, trigger, wait for emails stored."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
from sportify_aggregator.evaluation import EVALUATORS, Evaluator
from sportify_cli.seed import SeedPlan, seed
from sportify_common.clock import utc_now
from sportify_common.periods import (
    Period,
    PeriodKind,
    closed_periods,
    latest_closed,
    parse_month,
    parse_week_start,
)
from sportify_common.settings import Settings, load_settings
from sportify_common.vocabulary import EVALUATED_PERIODS, MONTHLY, WEEKLY

BARE_AGGREGATION = """
select w.user_id, sum(a.points), count(*)
  from workouts w join workout_activities a on a.workout_id = w.id
 where w.start_time >= $1 and w.start_time < $2
 group by w.user_id
"""
# The same query for SQLAlchemy's text(), with :start and :end.
BARE_AGGREGATION_NAMED = BARE_AGGREGATION.replace("$1", ":start").replace("$2", ":end")


def results_phase_of(kind: str, label: str, settings: Settings) -> tuple[Period, Evaluator]:
    """The period a `weekly` (week's Monday) or `monthly` (YYYY-MM) label names, and its
    evaluator (for the tools that run the results phase by itself)."""
    if kind == WEEKLY.kind:
        period = parse_week_start(label, settings.zone, utc_now(), name=WEEKLY.query_param)
        return period, EVALUATORS[WEEKLY.job]
    period = parse_month(label, settings.zone, utc_now(), name=MONTHLY.query_param)
    return period, EVALUATORS[MONTHLY.job]


# Earlier periods' results, one row per user and period, shaped like the real ones (`--history`).
_HISTORY_SQL = {
    PeriodKind.WEEKLY: (
        """
        insert into weekly_results (
            user_id, week_start, week_end, total_points, workouts_count, exercise_counts,
            activity_totals, goals, leaderboard_rank, badges_awarded, awards_awarded)
        select id, $1, $2, 180, 4, '{"pullups": 3, "pushups": 3, "running": 2}',
               '{"pullups": 60, "pushups": 90, "situps": 0, "running": 12.5, "cycling": 0}',
               '{"exercises": {"achieved": true, "targets": {"pullups": 50}},
                 "points": {"achieved": false, "target": 200},
                 "challenge": {"achieved": true, "target": 150}}',
               2, '["weekly-goal-exercises", "weekly-challenge-points"]',
               '[{"awardType": "leaderboard", "scope": "friends", "category": "points", "rank": 2}]'
          from users
        """,
        """
        insert into leaderboard_results (week_start, user_id, rank, total_points, participant_count)
        select $1, id, 2, 180, 11 from users
        """,
    ),
    PeriodKind.MONTHLY: (
        """
        insert into monthly_results (
            user_id, month_start, month_end, total_points, activity_totals, rankings, challenge,
            badges_awarded, awards_awarded)
        select id, $1, $2, 720,
               '{"pullups": 240, "pushups": 360, "situps": 0, "running": 50, "cycling": 0}',
               '{"global": {"points": 4012, "pullups": 3120, "pushups": 2980, "situps": null},
                 "friends": {"points": 2, "pullups": 1, "pushups": 3, "situps": null}}',
               '{"target": 1000, "achieved": false, "totalPoints": 720}',
               '[]',
               '[{"awardType": "category-rank-award", "scope": "friends", "category": "pullups", "rank": 1}]'
          from users
        """,
    ),
}


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


async def add_history(url: str, kind: PeriodKind, period: Period, count: int) -> None:
    """Results of the `count` periods before `period` for every user, as a database that has
    run for a while holds them (the evaluation must not slow down as they pile up)."""
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        for earlier in closed_periods(kind, period.start, load_settings().zone, count):
            for sql in _HISTORY_SQL[kind]:
                bounds = (earlier.start, earlier.end) if "$2" in sql else (earlier.start,)
                await conn.execute(sql, *bounds)
    finally:
        await conn.close()
    await settle(url)
    print(f"added results of {count} earlier periods in {time.perf_counter() - began:.1f} s")


async def run(
    kind: PeriodKind,
    users: int,
    keep: bool,
    reuse: str | None,
    history: int,
    targets: dict[str, float],
    tracing: bool = False,
) -> None:
    now = utc_now()
    period = latest_closed(kind, now, load_settings().zone)
    async with seeded_database(period, users, keep, reuse) as url:
        if history:
            await add_history(url, kind, period, history)
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
            env = stack_env(
                url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), **tracing_env(tracing)
            )
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
        f"{kind.value} evaluation, {user_count} users, {activities} activities (HTTP {status})"
        + (", tracing on (no-op exporter)" if tracing else ""),
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
    params = {EVALUATED_PERIODS[kind].query_param: label}
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
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        metavar="N",
        help="first store results of the N periods before the evaluated one for every user",
    )
    parser.add_argument(
        "--tracing",
        action="store_true",
        default=os.environ.get("BENCH_TRACING") == "1",
        help="trace the services (spans recorded and batched, exported nowhere; BENCH_TRACING=1)",
    )
    args = parser.parse_args()
    asyncio.run(
        run(
            kind,
            args.users,
            args.keep,
            args.reuse,
            args.history,
            {"whole": whole_target, "memory": 500},
            tracing=args.tracing,
        )
    )


def tracing_env(tracing: bool) -> dict[str, str]:
    """The services' environment for tracing on a no-op exporter (SPEC 14's overhead figure):
    the provider, the spans and the context in every message as in production, but
    `OTEL_TRACES_EXPORTER=none` drops each batch instead of sending it (the endpoint is never
    contacted). Off: no OTEL_* at all."""
    if not tracing:
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": "", "OTEL_TRACES_EXPORTER": ""}
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"}
