"""`sportify backfill JOB --from … --to …` and `sportify backfill list|show ID|cancel ID`
(SPEC 10, 12.2), through the admin API as `cli:<OS user>`.

JOB is `weekly` or `monthly` (or the job names `weekly-events`, `monthly-events`). A dry run
prints the period table; a real run prints the backfill's id and status URL. A 4xx exits 2
with the API's message; an unreachable monitor or a 5xx exits 1.
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
from sportify_common.vocabulary import Reprocess

COMMANDS = ("backfill",)
ACTIONS = ("list", "show", "cancel")
JOBS = {
    "weekly": "weekly-events",
    "monthly": "monthly-events",
    "weekly-events": "weekly-events",
    "monthly-events": "monthly-events",
}
PLAN_COLUMNS = (
    ("PERIOD START", "periodStart"),
    ("PERIOD END", "periodEnd"),
    ("EXISTING", "existingStatus"),
    ("ACTION", "action"),
)
PROGRESS_COLUMNS = (*PLAN_COLUMNS, ("RUN", "runId"), ("OUTCOME", "outcome"), ("REASON", "reason"))
LIST_COLUMNS = (
    ("ID", "id"),
    ("CREATED", "createdAt"),
    ("JOB", "jobName"),
    ("FROM", "periodFrom"),
    ("TO", "periodTo"),
    ("REPROCESS", "reprocess"),
    ("STATUS", "status"),
    ("BY", "createdBy"),
)


def add_parsers(commands: Any) -> None:
    backfill = commands.add_parser(
        "backfill",
        help="re-evaluate a range of closed periods (JOB --from --to), or list|show|cancel",
        description="sportify backfill weekly|monthly --from D --to D [--reprocess …] "
        "[--send-emails] [--dry-run]; sportify backfill list | show ID | cancel ID",
    )
    backfill.add_argument("target", metavar="JOB|list|show|cancel")
    backfill.add_argument("id", nargs="?", metavar="ID", help="show / cancel: the backfill")
    backfill.add_argument("--from", dest="period_from", metavar="D", help="YYYY-MM-DD or YYYY-MM")
    backfill.add_argument("--to", dest="period_to", metavar="D", help="the last period, included")
    backfill.add_argument(
        "--reprocess", choices=[r.value for r in Reprocess], default=Reprocess.MISSING.value
    )
    backfill.add_argument("--send-emails", action="store_true", help="also mail the summaries")
    backfill.add_argument("--dry-run", action="store_true", help="print the plan, start nothing")
    backfill.add_argument("--reason", metavar="TEXT", help="recorded in the audit log")
    backfill.add_argument("--limit", type=int, metavar="N", help="list: 1…500 (default 50)")
    backfill.add_argument("--cursor", metavar="C", help="list: nextCursor of the previous page")
    backfill.add_argument("--json", action="store_true", help="the API's JSON, for scripts")


def _print_json(answer: Any) -> None:
    print(json.dumps(answer, indent=2, ensure_ascii=False))


def _start(api: AdminApi, args: argparse.Namespace) -> int:
    job = JOBS.get(args.target)
    if job is None:
        raise ApiError(
            f"JOB must be weekly or monthly (or {', '.join(ACTIONS)}), got {args.target!r}",
            exit_code=2,
        )
    if args.id is not None:
        raise ApiError(f"unexpected argument {args.id!r}", exit_code=2)
    if not args.period_from or not args.period_to:
        raise ApiError("a backfill needs --from and --to", exit_code=2)
    body: dict[str, Any] = {
        "jobName": job,
        "from": args.period_from,
        "to": args.period_to,
        "reprocess": args.reprocess,
        "sendEmails": args.send_emails,
        "dryRun": args.dry_run,
    }
    if args.reason:
        body["reason"] = args.reason
    answer = api.call("POST", "/api/admin/backfills", body=body)
    if args.json:
        _print_json(answer)
        return 0
    periods = answer["periods"]
    runs = sum(p["action"] == "run" for p in periods)
    print(render_table(periods, PLAN_COLUMNS))
    if answer.get("dryRun"):
        print(f"dry run: {runs} of {len(periods)} periods would run; nothing started")
    else:
        print(f"backfill {answer['backfillId']} started: {runs} of {len(periods)} periods to run")
        print(f"status: {api.base_url}{answer['statusUrl']}")
    return 0


def _show(api: AdminApi, args: argparse.Namespace, *, cancel: bool) -> int:
    if not args.id:
        raise ApiError(f"backfill {args.target} needs the backfill's ID", exit_code=2)
    path = f"/api/admin/backfills/{quote(args.id, safe='')}"
    if cancel:
        params = {"reason": args.reason} if args.reason else None
        answer = api.call("POST", path + "/cancel", params=params)
    else:
        answer = api.call("GET", path)
    if args.json:
        _print_json(answer)
        return 0
    backfill = answer["backfill"]
    progress = ", ".join(f"{k} {v}" for k, v in backfill["progress"].items())
    print(
        f"backfill {backfill['id']} {backfill['jobName']} {backfill['periodFrom']}.."
        f"{backfill['periodTo']} reprocess {backfill['reprocess']} "
        f"sendEmails {str(backfill['sendEmails']).lower()}: {backfill['status']} ({progress})"
    )
    print(render_table(backfill["periods"], PROGRESS_COLUMNS))
    return 0


def _list(api: AdminApi, args: argparse.Namespace) -> int:
    params: dict[str, str] = {}
    if args.limit is not None:
        params["limit"] = str(args.limit)
    if args.cursor:
        params["cursor"] = args.cursor
    answer = api.call("GET", "/api/admin/backfills", params=params)
    if args.json:
        _print_json(answer)
        return 0
    rows = answer["backfills"]
    print(render_table(rows, LIST_COLUMNS) if rows else "no backfills")
    if answer.get("nextCursor"):
        print(f"more: --cursor {answer['nextCursor']}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        api = AdminApi.from_settings(settings, load_cli_settings().sportify_url)
        try:
            match args.target:
                case "list":
                    return _list(api, args)
                case "show":
                    return _show(api, args, cancel=False)
                case "cancel":
                    return _show(api, args, cancel=True)
                case _:
                    return _start(api, args)
        finally:
            api.close()
    except ApiError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return exc.exit_code
