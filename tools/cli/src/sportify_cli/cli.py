"""`sportify` — one entry point, configured only by the environment (SPEC 10)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from sportify_cli import admin_commands, backfill_commands, preview_commands, schedule_commands
from sportify_cli.ops_commands import (
    COMMANDS as OPS_COMMANDS,
    add_parsers as add_ops_parsers,
    run as run_ops,
)
from sportify_cli.runner import SERVICES
from sportify_common.logs import configure_logging
from sportify_common.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("sportify")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sportify", description="Sportify Ops")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the database migrations")
    run = commands.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=SERVICES)
    commands.add_parser("dev", help="run all four services in one process tree")
    commands.add_parser("demo", help="demo data, a weekly and a monthly run, the emails")
    trigger = commands.add_parser("trigger", help="trigger a job through the monitor's API")
    trigger.add_argument("job", choices=("weekly", "monthly", "dispatch", "cleanup", "retention"))
    trigger.add_argument("--force", action="store_true")
    trigger.add_argument("--week-start", metavar="YYYY-MM-DD")
    trigger.add_argument("--month", metavar="YYYY-MM")
    trigger.add_argument("--limit", type=int, metavar="N", help="dispatch: rows to send")
    seed = commands.add_parser("seed", help="generate synthetic users, friends and workouts")
    seed.add_argument("--users", type=int, required=True)
    seed.add_argument("--friends", type=int, default=10, help="friends per user (about)")
    seed.add_argument("--weeks", type=int, default=1, help="weeks of activity, ending now")
    seed.add_argument(
        "--activities-per-week", type=int, default=12, help="activities per user per week"
    )
    seed.add_argument("--seed", type=float, default=0.42, help="random seed in [-1, 1]")
    admin_commands.add_parsers(commands)
    schedule_commands.add_parsers(commands)
    backfill_commands.add_parsers(commands)
    preview_commands.add_parsers(commands)
    add_ops_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return 2
    if args.command in OPS_COMMANDS:  # admin API calls too (runs, dead letters)
        try:
            return run_ops(args, settings)
        except SettingsError as exc:
            print(f"sportify: {exc}", file=sys.stderr)
            return 2
    if args.command in (
        *admin_commands.COMMANDS,
        *backfill_commands.COMMANDS,
        *schedule_commands.COMMANDS,
        *preview_commands.COMMANDS,
    ):
        # Calls of the admin API: they print their answer and log nothing themselves.
        if args.command in backfill_commands.COMMANDS:
            run = backfill_commands.run
        elif args.command in preview_commands.COMMANDS:
            run = preview_commands.run
        elif args.command in schedule_commands.COMMANDS:
            run = schedule_commands.run
        else:
            run = admin_commands.run
        try:
            return run(args, settings)
        except SettingsError as exc:
            print(f"sportify: {exc}", file=sys.stderr)
            return 2
    secrets = [
        s.get_secret_value()
        for s in (settings.cron_secret, settings.admin_api_token, settings.smtp_pass)
        if s is not None
    ]
    configure_logging(settings.log_level, secrets=secrets)
    try:
        return _dispatch(args, settings)
    except SettingsError as exc:  # raised by a service validating its own settings at start
        print(f"sportify: {exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    match args.command:
        case "migrate":
            from sportify_cli.database import migrate

            asyncio.run(migrate(settings))
            return 0
        case "run":
            from sportify_cli.runner import serve

            serve(args.service, settings)
            return 0
        case "dev":
            from sportify_cli.devtree import run_dev

            return run_dev(settings)
        case "demo":
            from sportify_cli.demo import run_demo

            return run_demo(settings)
        case "trigger":
            from sportify_cli.trigger import trigger

            return trigger(
                settings,
                job=args.job,
                force=args.force,
                week_start=args.week_start,
                month=args.month,
                limit=args.limit,
            )
        case "seed":
            from sportify_cli.seed import SeedPlan, seed

            plan = SeedPlan(
                users=args.users,
                friends=args.friends,
                weeks=args.weeks,
                activities_per_week=args.activities_per_week,
                random_seed=args.seed,
            )
            asyncio.run(seed(settings, plan))
            return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
