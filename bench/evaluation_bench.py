"""One benchmark for both evaluations: seed, time bare SQL, trigger, wait for emails stored."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.support import (
    DatabaseCpu,
    cpu_report,
    cpu_snapshot,
    replica_names,
    report,
    running,
    smtp_sink_process,
    stack_env,
    throwaway_database,
    timed_sql,
    trigger,
    wait_for_rows,
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


@dataclass
class RunFigures:
    """What one benchmark run measured (seconds, MB, CPU seconds per process group)."""

    kind: str
    users: int
    emails: int
    bare: float
    results: float | None
    completed: float
    stored: float
    sent: float | None
    cpu: dict[str, float]
    cpu_sent: dict[str, float] | None
    aggregator_mb: float
    mailer_mb: float
    rates: dict[str, float] = field(default_factory=dict)


async def run(
    kind: PeriodKind,
    users: int,
    keep: bool,
    reuse: str | None,
    history: int,
    targets: dict[str, float],
    *,
    tracing: bool = False,
    until_sent: bool = False,
    mailers: int = 1,
    aggregators: int = 1,
    linger: float = 0.0,
) -> RunFigures:
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
            measured = await _measure(
                kind,
                period.label,
                url,
                env,
                eligible,
                until_sent=until_sent,
                linger=linger,
                services=[
                    *replica_names("aggregator", aggregators),
                    *replica_names("mailer", mailers),
                    "monitor",
                ],
            )
        conn = await asyncpg.connect(url)
        metadata = await conn.fetchval(
            "select metadata::text from job_runs where id = $1::uuid",
            measured.body.get("jobRunId"),
        )
        rates = await _sustained_rates(conn, f"{kind.value}-summary")
        await conn.close()
    timings = json.loads(metadata or "{}").get("timings", {})
    results_s = timings.get("resultsSeconds")
    figures = RunFigures(
        kind=kind.value,
        users=user_count,
        emails=eligible,
        bare=bare,
        results=results_s,
        completed=measured.answered - measured.triggered,
        stored=measured.stored - measured.triggered,
        sent=None if measured.sent is None else measured.sent - measured.triggered,
        cpu=measured.cpu,
        cpu_sent=measured.cpu_sent,
        aggregator_mb=measured.aggregator_mb,
        mailer_mb=measured.mailer_mb,
        rates=rates,
    )
    rows = [
        ("bare SQL aggregation", f"{bare:.2f} s", "baseline"),
        (
            "results committed",
            f"{results_s:.2f} s" if results_s else "n/a",
            f"target <= 3x bare = {3 * bare:.2f} s"
            + (f" (ratio {results_s / bare:.1f}x)" if results_s else ""),
        ),
        ("trigger -> run completed", f"{figures.completed:.2f} s", "all emails requested"),
        (
            "trigger -> emails stored",
            f"{figures.stored:.2f} s",
            f"target < {targets['whole']:.0f} s ({eligible} emails in email_queue)",
        ),
    ]
    if figures.sent is not None:
        rows.append(("trigger -> emails sent", f"{figures.sent:.2f} s", "every summary sent"))
    rows += [
        ("PostgreSQL CPU (to stored)", f"{figures.cpu.get('postgresql', 0):.1f} s", ""),
        (
            "aggregator peak RSS",
            f"{figures.aggregator_mb:.0f} MB",
            f"target < {targets['memory']:.0f} MB",
        ),
        ("mailer peak RSS", f"{figures.mailer_mb:.0f} MB", ""),
        ("processed users", str(measured.body.get("processedUsers")), f"HTTP {measured.status}"),
    ]
    rows += [(f"sustained {name}", f"{value:.0f} /s", "") for name, value in rates.items()]
    report(
        f"{kind.value} evaluation, {user_count} users, {activities} activities "
        f"({aggregators} aggregator, {mailers} mailer)"
        + (", tracing on (no-op exporter)" if tracing else ""),
        rows,
    )
    return figures


# Per second, from the rows' own timestamps (no polling): storing by created_at, finishing
# (sent or skipped) by updated_at; the median of the busy seconds (at least 1% of the peak),
# so the ramp at either end does not count.
_RATES_SQL = """
with per_second as (
    select 'stored' as what, date_trunc('second', created_at) as s, count(*) as n
      from email_queue where kind = $1 group by 2
    union all
    select 'sent', date_trunc('second', updated_at), count(*)
      from email_queue where kind = $1 and status in ('sent', 'skipped') group by 2
)
select what, percentile_cont(0.5) within group (order by n) as median
  from per_second p
 where n >= 0.01 * (select max(n) from per_second q where q.what = p.what)
 group by what order by what desc
"""


async def _sustained_rates(conn: asyncpg.Connection, kind: str) -> dict[str, float]:
    return {row["what"]: float(row["median"]) for row in await conn.fetch(_RATES_SQL, kind)}


@dataclass
class _Measured:
    status: int
    body: dict[str, Any]
    triggered: float
    answered: float
    stored: float
    sent: float | None
    cpu: dict[str, float]
    cpu_sent: dict[str, float] | None
    aggregator_mb: float
    mailer_mb: float


async def _finished(url: str, email_kind: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "select count(*) from email_queue where kind = $1 "
                "and status not in ('pending', 'retrying')",
                email_kind,
            )
        )
    finally:
        await conn.close()


def _cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(after[k] - before.get(k, 0.0), 1) for k in after}


async def _measure(
    kind: PeriodKind,
    label: str,
    url: str,
    env: dict[str, str],
    eligible: int,
    *,
    until_sent: bool,
    services: list[str],
    linger: float = 0.0,
) -> _Measured:
    path = "/api/events/weekly" if kind is PeriodKind.WEEKLY else "/api/events/monthly"
    params = {EVALUATED_PERIODS[kind].query_param: label}
    email_kind = f"{kind.value}-summary"
    with running(services, env, Path("bench/results/logs")) as stack:
        await wait_ready(stack)
        async with DatabaseCpu(url) as database_cpu:
            cpu_before = cpu_snapshot(stack)
            triggered = time.perf_counter()
            status, body = await trigger(stack, path, params)
            answered = time.perf_counter()
            stored = await wait_for_rows(
                url,
                "select count(*) from email_queue where kind = $1",
                eligible,
                "select max(created_at) from email_queue where kind = $1",
                email_kind,
                timeout=3600,
            )
            cpu_stored = cpu_snapshot(stack)
            cpu_stored["postgresql (this database)"] = database_cpu.seconds
            print(cpu_report(cpu_before, cpu_stored))
            sent = cpu_sent = None
            if until_sent:
                sent = await wait_for_rows(
                    url,
                    "select count(*) from email_queue where kind = $1 "
                    "and status not in ('pending', 'retrying')",
                    eligible,
                    "select max(updated_at) from email_queue where kind = $1",
                    email_kind,
                    timeout=3600,
                )
                after = cpu_snapshot(stack)
                after["postgresql (this database)"] = database_cpu.seconds
                print("to sent: " + cpu_report(cpu_before, after))
                cpu_sent = _cpu_used(cpu_before, after)
            elif linger > 0:
                # Sending alone, after the last summary was stored: where its CPU goes.
                sent_before = await _finished(url, email_kind)
                began, start = time.perf_counter(), cpu_snapshot(stack)
                start["postgresql (this database)"] = database_cpu.seconds
                await asyncio.sleep(linger)
                after = cpu_snapshot(stack)
                after["postgresql (this database)"] = database_cpu.seconds
                window = time.perf_counter() - began
                finished = await _finished(url, email_kind) - sent_before
                print(
                    f"sending alone for {window:.0f} s: {finished / window:.0f} emails/s; "
                    + cpu_report(start, after)
                )
                cpu_sent = _cpu_used(start, after)
                cpu_sent["window seconds"] = round(window, 1)
                cpu_sent["emails per second"] = round(finished / window, 1)
        aggregator_mb = max(stack.peak_rss_mb(s) for s in services if s.startswith("aggregator"))
        mailer_mb = max(stack.peak_rss_mb(s) for s in services if s.startswith("mailer"))
    return _Measured(
        status=status,
        body=body,
        triggered=triggered,
        answered=answered,
        stored=stored,
        sent=sent,
        cpu=_cpu_used(cpu_before, cpu_stored),
        cpu_sent=cpu_sent,
        aggregator_mb=aggregator_mb,
        mailer_mb=mailer_mb,
    )


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
        "--until-sent", action="store_true", help="also wait until every summary is sent"
    )
    parser.add_argument("--mailers", type=int, default=1, help="mailer replicas")
    parser.add_argument("--aggregators", type=int, default=1, help="aggregator replicas")
    parser.add_argument(
        "--linger", type=float, default=0.0, help="then measure S seconds of sending alone"
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
            until_sent=args.until_sent,
            mailers=args.mailers,
            aggregators=args.aggregators,
            linger=args.linger,
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
