"""`sportify schedules [pause|resume JOB --note …]`: SPEC 12.1 from a terminal, through the admin
API as `cli:<OS user>`; a table for people, the API's JSON with `--json`. A 4xx (an unknown job,
a bad note) exits 2 with the API's message; an unreachable monitor or a 5xx exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import quote

from sportify_cli.admin_api import AdminApi, ApiError
from sportify_cli.settings import load_cli_settings
from sportify_cli.tables import render_table
from sportify_common.settings import Settings

COMMANDS = ("schedules",)

SCHEDULE_COLUMNS = (
    ("JOB", "jobName"),
    ("CRON", "cron"),
    ("PAUSED", "paused"),
    ("NOTE", "note"),
    ("CHANGED BY", "changedBy"),
    ("NEXT RUN", "nextRun"),
)


def add_parsers(commands: Any) -> None:
    schedules = commands.add_parser("schedules", help="the schedules; pause and resume a job")
    schedules.add_argument("--json", action="store_true", help="the API's JSON, for scripts")
    actions = schedules.add_subparsers(dest="action")
    for name, verb in (("pause", "no slot runs until resumed"), ("resume", "slots run again")):
        change = actions.add_parser(name, help=f"{name} a job's schedule: {verb}")
        change.add_argument("job", metavar="JOB", help="e.g. weekly-events")
        change.add_argument(
            "--note", required=name == "pause", default="", metavar="TEXT", help="shown in the list"
        )
        change.add_argument("--reason", metavar="TEXT", help="recorded in the audit log")
        change.add_argument("--json", action="store_true", help="the API's JSON, for scripts")


def _row(schedule: dict[str, Any]) -> dict[str, Any]:
    next_runs = schedule.get("nextRuns") or []
    return {**schedule, "nextRun": next_runs[0] if next_runs else None}


def _schedules(api: AdminApi, args: argparse.Namespace) -> int:
    if args.action is None:
        answer = api.call("GET", "/api/admin/schedules")
        if args.json:
            print(json.dumps(answer, indent=2, ensure_ascii=False))
        else:
            print(render_table([_row(s) for s in answer["schedules"]], SCHEDULE_COLUMNS))
        return 0
    body: dict[str, Any] = {"note": args.note}
    if args.reason:
        body["reason"] = args.reason
    answer = api.call(
        "POST", f"/api/admin/schedules/{quote(args.job, safe='')}/{args.action}", body=body
    )
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return 0
    schedule = answer["schedule"]
    state = "paused" if schedule["paused"] else "running"
    if answer["changed"]:
        print(f"{schedule['jobName']} {args.action}d: {state}")
    else:
        print(f"{schedule['jobName']} was already {state}; nothing changed")
    if not schedule["paused"] and schedule["nextRuns"]:
        print(f"next run {schedule['nextRuns'][0]}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        api = AdminApi.from_settings(settings, load_cli_settings().sportify_url)
        try:
            return _schedules(api, args)
        finally:
            api.close()
    except ApiError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return exc.exit_code
