"""`sportify runs list|show|cancel` and `sportify dead-letters list|peek|replay|purge`
(SPEC 12.5) from a terminal.

Like `admin_commands`: each calls the admin API (`SPORTIFY_URL`, `ADMIN_API_TOKEN`) as
`cli:<OS user>`; a table for people, the API's JSON with `--json`. A 4xx exits 2 with the
API's message; an unreachable monitor or a 5xx exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import quote

from sportify_cli.admin_api import AdminApi, ApiError
from sportify_cli.settings import load_cli_settings
from sportify_cli.tables import cell, render_table
from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.settings import Settings

COMMANDS = ("runs", "dead-letters")

RUN_COLUMNS = (
    ("ID", "id"),
    ("JOB", "jobName"),
    ("SCHEDULED FOR", "scheduledFor"),
    ("STATUS", "status"),
    ("STARTED", "startedAt"),
    ("COMPLETED", "completedAt"),
    ("TRIGGER", "trigger"),
    ("ATT", "attempt"),
)
QUEUE_COLUMNS = (("QUEUE", "queue"), ("DEPTH", "depth"))
LETTER_COLUMNS = (
    ("ROUTING KEY", "routingKey"),
    ("REASON", "reason"),
    ("COUNT", "count"),
    ("FIRST DEATH", "firstDeathAt"),
    ("BODY", "body"),
)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("must be a whole number") from exc
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="the API's JSON, for scripts")


def add_parsers(commands: Any) -> None:
    """Register `runs` and `dead-letters` on the CLI's subparsers."""
    runs = commands.add_parser("runs", help="job runs: list, show, cancel")
    run_commands = runs.add_subparsers(dest="action", required=True)
    listing = run_commands.add_parser("list", help="runs, newest first")
    listing.add_argument("--job", choices=[j.value for j in JobName])
    listing.add_argument("--status", choices=[s.value for s in JobStatus])
    listing.add_argument("--limit", type=_positive, metavar="N")
    _json_flag(listing)
    show = run_commands.add_parser("show", help="one run with its metadata")
    show.add_argument("id")
    _json_flag(show)
    cancel = run_commands.add_parser(
        "cancel", help="stop a running weekly or monthly run (nothing it had not committed stays)"
    )
    cancel.add_argument("id")
    cancel.add_argument("--reason", help="why (recorded in the audit log)")
    _json_flag(cancel)

    letters = commands.add_parser(
        "dead-letters", help="dead-letter queues: list, peek, replay, purge"
    )
    letter_commands = letters.add_subparsers(dest="action", required=True)
    _json_flag(letter_commands.add_parser("list", help="every DLQ of the namespace, with depths"))
    peek = letter_commands.add_parser("peek", help="the first messages, left in the queue")
    peek.add_argument("queue")
    peek.add_argument("--limit", type=_positive, metavar="N")
    _json_flag(peek)
    replay = letter_commands.add_parser(
        "replay", help="republish to the original routing key, then remove"
    )
    replay.add_argument("queue")
    replay.add_argument("--limit", type=_positive, metavar="N", help="at most N (default 100)")
    replay.add_argument("--reason", help="why (recorded in the audit log)")
    _json_flag(replay)
    purge = letter_commands.add_parser("purge", help="drop every message of the queue")
    purge.add_argument("queue")
    purge.add_argument("--yes", action="store_true", help="really drop them")
    purge.add_argument("--reason", help="why (recorded in the audit log)")
    _json_flag(purge)


def _print_json(answer: Any) -> None:
    print(json.dumps(answer, indent=2, ensure_ascii=False))


def _runs(api: AdminApi, args: argparse.Namespace) -> int:
    if args.action == "list":
        params = {}
        if args.job:
            params["jobName"] = args.job
        if args.status:
            params["status"] = args.status
        if args.limit is not None:
            params["limit"] = str(args.limit)
        answer = api.call("GET", "/api/admin/jobs", params=params)
        if args.json:
            _print_json(answer)
        else:
            print(render_table(answer["jobs"], RUN_COLUMNS) if answer["jobs"] else "no runs")
        return 0
    path = f"/api/admin/jobs/{quote(args.id, safe='')}"
    if args.action == "show":
        answer = api.call("GET", path)
        if args.json:
            _print_json(answer)
            return 0
        job = answer["job"]
        for heading, key in RUN_COLUMNS:
            print(f"{heading.lower():>14}: {cell(job.get(key), 200)}")
        metadata = job.get("metadata") or {}
        error = metadata.get("error")
        if isinstance(error, dict):
            print(f"{'error':>14}: {error.get('type')}: {cell(error.get('message'), 200)}")
        print("\n" + json.dumps(metadata, indent=2, ensure_ascii=False))
        return 0
    answer = api.call(
        "POST", f"{path}/cancel", body={"reason": args.reason} if args.reason else None
    )
    if args.json:
        _print_json(answer)
    elif answer["cancelled"]:
        print(f"run {answer['jobRunId']} cancelled: failed ({answer['error']['message']})")
    elif answer["status"] == "accepted":
        print(
            f"cancel requested; run {answer['jobRunId']} is still running and stops at its "
            f"next step (sportify runs show {answer['jobRunId']})"
        )
    else:
        print(f"run {answer['jobRunId']} finished before the cancel took: {answer['runStatus']}")
    return 0


def _dead_letters(api: AdminApi, args: argparse.Namespace) -> int:
    if args.action == "list":
        answer = api.call("GET", "/api/admin/dead-letters")
        if args.json:
            _print_json(answer)
        else:
            print(
                render_table(answer["queues"], QUEUE_COLUMNS) if answer["queues"] else "no queues"
            )
        return 0
    path = f"/api/admin/dead-letters/{quote(args.queue, safe='')}"
    if args.action == "peek":
        params = {"limit": str(args.limit)} if args.limit is not None else None
        answer = api.call("GET", path, params=params)
        if args.json:
            _print_json(answer)
        else:
            shown = len(answer["messages"])
            print(
                f"{answer['queue']}: {answer['depth']} messages, the first {shown} (left in place)"
            )
            if answer["messages"]:
                print(render_table(answer["messages"], LETTER_COLUMNS))
        return 0
    if args.action == "replay":
        body: dict[str, Any] = {}
        if args.limit is not None:
            body["limit"] = args.limit
        if args.reason:
            body["reason"] = args.reason
        answer = api.call("POST", f"{path}/replay", body=body)
        message = f"replayed {answer['replayed']} messages of {answer['queue']}"
    else:
        if not args.yes:
            raise ApiError(
                f"purge drops every message of {args.queue} for good: add --yes", exit_code=2
            )
        answer = api.call(
            "POST", f"{path}/purge", body={"reason": args.reason} if args.reason else None
        )
        message = f"purged {answer['purged']} messages of {answer['queue']}"
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else message)
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        api = AdminApi.from_settings(settings, load_cli_settings().sportify_url)
        try:
            if args.command == "runs":
                return _runs(api, args)
            return _dead_letters(api, args)
        finally:
            api.close()
    except ApiError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return exc.exit_code
