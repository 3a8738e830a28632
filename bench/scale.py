"""Scale benchmark (SPEC 15, issue 17): the weekly and the monthly run at 100,000 and 1,000,000
users in one session, each figure with its ratio 1M / 100k beside the target 11x.

    uv run --frozen python bench/scale.py seed          # once: the kept databases still missing
    uv run --frozen python bench/scale.py run           # every kind and size, one session
    uv run --frozen python bench/scale.py run --kinds weekly --sizes 1m --until-sent --mailers 2

The databases are kept between sessions (seeding 1,000,000 users with a week of activity took
about 6 minutes on the 2-core machine, with a month several times that): `sportify_scale_weekly_100k`,
`sportify_scale_weekly_1m`, `sportify_scale_monthly_100k`, `sportify_scale_monthly_1m` on the
server of DATABASE_URL. `run` migrates each to head and empties its results, runs and emails
first (as `weekly.py --reuse` does). `drop` removes them.

`--explain MS` logs the plan (EXPLAIN ANALYZE, BUFFERS, without timing) of every statement
slower than MS milliseconds to the server's log, through auto_explain loaded by those
databases' sessions only (ALTER DATABASE ... SET session_preload_libraries); `--explain off`
removes that again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.evaluation_bench import RunFigures, run, settle
from bench.support import SERVER_URL, with_database
from sportify_cli.seed import SeedPlan, seed
from sportify_common.clock import utc_now
from sportify_common.db.migrate import upgrade_to_head
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import load_settings

SIZES = {"100k": 100_000, "1m": 1_000_000}
KINDS = {"weekly": PeriodKind.WEEKLY, "monthly": PeriodKind.MONTHLY}
WHOLE_TARGETS = {"weekly": 60.0, "monthly": 120.0}
RATIO_TARGET = 11.0

_AUTO_EXPLAIN = (
    ("session_preload_libraries", "auto_explain"),
    ("auto_explain.log_analyze", "on"),
    ("auto_explain.log_buffers", "on"),
    ("auto_explain.log_timing", "off"),
    ("auto_explain.log_nested_statements", "on"),
)


def database_name(kind: str, size: str) -> str:
    return f"sportify_scale_{kind}_{size}"


def database_url(kind: str, size: str) -> str:
    return with_database(SERVER_URL, database_name(kind, size))


def _asyncpg_dsn(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(with_database(SERVER_URL, "postgres"))


async def seed_kept(kind: str, size: str) -> None:
    """Create, migrate and seed one kept database, unless it already holds users."""
    name, url = database_name(kind, size), database_url(kind, size)
    admin = await _admin()
    try:
        if not await admin.fetchval("select 1 from pg_database where datname = $1", name):
            await admin.execute(f'create database "{name}"')
    finally:
        await admin.close()
    await upgrade_to_head(_asyncpg_dsn(url))
    conn = await asyncpg.connect(url)
    try:
        users = await conn.fetchval("select count(*) from users")
    finally:
        await conn.close()
    if users:
        print(f"{name}: already seeded ({users} users)")
        return
    period = latest_closed(KINDS[kind], utc_now(), load_settings().zone)
    weeks = max(1, round((period.end - period.start) / timedelta(weeks=1)))
    began = time.perf_counter()
    await seed(
        load_settings(database_url=url),
        SeedPlan(
            users=SIZES[size],
            weeks=weeks,
            activities_per_week=12,
            end=period.end - timedelta(seconds=1),
        ),
    )
    await settle(url)
    print(f"{name}: seeded {SIZES[size]} users in {time.perf_counter() - began:.0f} s")


async def set_explain(names: list[str], min_ms: str) -> None:
    admin = await _admin()
    try:
        for name in names:
            if not await admin.fetchval("select 1 from pg_database where datname = $1", name):
                continue
            if min_ms == "off":
                for setting, _ in _AUTO_EXPLAIN:
                    await admin.execute(f'alter database "{name}" reset {setting}')
                await admin.execute(f'alter database "{name}" reset auto_explain.log_min_duration')
                continue
            for setting, value in (*_AUTO_EXPLAIN, ("auto_explain.log_min_duration", min_ms)):
                await admin.execute(f"alter database \"{name}\" set {setting} = '{value}'")
    finally:
        await admin.close()


def _ratio(small: float | None, large: float | None) -> str:
    if not small or large is None:
        return "n/a"
    return f"{large / small:.1f}x"


def print_table(kind: str, small: RunFigures | None, large: RunFigures | None) -> None:
    def cell(figures: RunFigures | None, value: float | None, unit: str) -> str:
        return "-" if figures is None or value is None else f"{value:.2f} {unit}"

    def pair(get: Callable[[RunFigures], float | None]) -> tuple[float | None, float | None]:
        return (None if small is None else get(small), None if large is None else get(large))

    rows: list[tuple[str, tuple[float | None, float | None], str, str]] = [
        ("bare SQL aggregation", pair(lambda f: f.bare), "s", "(baseline)"),
        ("results committed", pair(lambda f: f.results), "s", f"<= {RATIO_TARGET:.0f}x"),
        ("trigger -> run completed", pair(lambda f: f.completed), "s", ""),
        (
            "trigger -> every summary stored",
            pair(lambda f: f.stored),
            "s",
            f"<= {RATIO_TARGET:.0f}x",
        ),
        (
            "PostgreSQL CPU to stored",
            pair(lambda f: f.cpu.get("postgresql")),
            "s",
            "grows with work",
        ),
        ("aggregator CPU to stored", pair(lambda f: f.cpu.get("aggregator")), "s", ""),
        ("mailer CPU to stored", pair(lambda f: f.cpu.get("mailer")), "s", ""),
        ("RabbitMQ CPU to stored", pair(lambda f: f.cpu.get("rabbitmq")), "s", ""),
        ("aggregator peak RSS", pair(lambda f: f.aggregator_mb), "MB", "flat (1x)"),
        ("mailer peak RSS", pair(lambda f: f.mailer_mb), "MB", "flat (1x)"),
        ("trigger -> every summary sent", pair(lambda f: f.sent), "s", ""),
        ("stored per second (median)", pair(lambda f: f.rates.get("stored")), "/s", ""),
        ("sent per second (median)", pair(lambda f: f.rates.get("sent")), "/s", ""),
        (
            "sending alone, per second",
            pair(lambda f: (f.cpu_sent or {}).get("emails per second")),
            "/s",
            "",
        ),
    ]
    print(f"\n{kind}: 100,000 against 1,000,000 users")
    print(f"  {'':<34}{'100k':>14}{'1M':>14}{'1M / 100k':>11}  target")
    for name, (a, b), unit, target in rows:
        if a is None and b is None:
            continue
        print(
            f"  {name:<34}{cell(small, a, unit):>14}{cell(large, b, unit):>14}"
            f"{_ratio(a, b):>11}  {target}"
        )


async def run_all(args: argparse.Namespace) -> None:
    figures: dict[tuple[str, str], RunFigures] = {}
    for kind in args.kinds:
        for size in args.sizes:
            url = database_url(kind, size)
            await upgrade_to_head(_asyncpg_dsn(url))
            print(f"\n=== {kind} at {SIZES[size]} users ({database_name(kind, size)})", flush=True)
            figures[(kind, size)] = await run(
                KINDS[kind],
                SIZES[size],
                keep=True,
                reuse=url,
                history=0,
                targets={"whole": WHOLE_TARGETS[kind] * SIZES[size] / 100_000, "memory": 500},
                until_sent=args.until_sent,
                mailers=args.mailers,
                aggregators=args.aggregators,
                linger=args.linger,
            )
    for kind in args.kinds:
        print_table(kind, figures.get((kind, "100k")), figures.get((kind, "1m")))


async def drop_all() -> None:
    admin = await _admin()
    try:
        for kind in KINDS:
            for size in SIZES:
                await admin.execute(
                    f'drop database if exists "{database_name(kind, size)}" with (force)'
                )
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("seed", "run"):
        command = commands.add_parser(name)
        command.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
        command.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    run_parser = commands.choices["run"]
    run_parser.add_argument("--until-sent", action="store_true", help="wait for every send too")
    run_parser.add_argument("--mailers", type=int, default=1)
    run_parser.add_argument("--aggregators", type=int, default=1)
    run_parser.add_argument(
        "--linger", type=float, default=0.0, help="then S seconds of sending alone (CPU, rate)"
    )
    explain = commands.add_parser("explain")
    explain.add_argument("min_ms", help="milliseconds, or off")
    commands.add_parser("drop")
    args = parser.parse_args()
    if args.command == "seed":
        for kind in args.kinds:
            for size in args.sizes:
                asyncio.run(seed_kept(kind, size))
    elif args.command == "run":
        asyncio.run(run_all(args))
    elif args.command == "explain":
        names = [database_name(k, s) for k in KINDS for s in SIZES]
        asyncio.run(set_explain(names, args.min_ms))
    else:
        asyncio.run(drop_all())


if __name__ == "__main__":
    main()
