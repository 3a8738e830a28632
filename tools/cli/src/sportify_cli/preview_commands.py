"""`sportify preview weekly|monthly --user ID [--week-start D | --month M] [--send-to ADDR]`
(SPEC 12.3) from a terminal.

Like `ops_commands`: it calls the admin API (`SPORTIFY_URL`, `ADMIN_API_TOKEN`) as
`cli:<OS user>`; the email's subject, recipient and text for people, the API's JSON with
`--json`. A 4xx exits 2 with the API's message; an unreachable monitor or a 5xx exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sportify_cli.admin_api import AdminApi, ApiError
from sportify_cli.settings import load_cli_settings
from sportify_cli.tables import cell
from sportify_common.settings import Settings
from sportify_common.vocabulary import MONTHLY, WEEKLY

COMMANDS = ("preview",)

# The result's headline figures, in the order a person reads them.
_FIGURES = ("totalPoints", "workoutsCount", "leaderboardRank", "streakWeeks", "activeDays")


def add_parsers(commands: Any) -> None:
    preview = commands.add_parser(
        "preview", help="one user's results and summary email of a period, writing nothing"
    )
    kinds = preview.add_subparsers(dest="kind", required=True)
    for kind, period_flag, period_help in (
        ("weekly", "--week-start", "the week's Monday, YYYY-MM-DD (default: the last closed week)"),
        ("monthly", "--month", "YYYY-MM (default: the last closed month)"),
    ):
        parser = kinds.add_parser(kind, help=f"the {kind} summary of one user")
        parser.add_argument("--user", required=True, metavar="ID", help="the user's id")
        parser.add_argument(period_flag, dest="period", metavar="PERIOD", help=period_help)
        parser.add_argument(
            "--send-to", metavar="ADDR", help="send it as a test ([TEST] subject) to ADDR"
        )
        parser.add_argument("--reason", help="why (recorded in the audit log of a test send)")
        parser.add_argument("--html", action="store_true", help="print the HTML part, not the text")
        parser.add_argument("--json", action="store_true", help="the API's JSON, for scripts")


def _params(args: argparse.Namespace) -> dict[str, str]:
    params = {"userId": args.user}
    if args.period:
        key = WEEKLY.query_param if args.kind == "weekly" else MONTHLY.query_param
        params[key] = args.period
    return params


def _print_preview(answer: dict[str, Any], *, html: bool) -> None:
    email, result = answer["email"], answer["result"]
    print(f"{'subject':>10}: {email['subject']}")
    recipient = email.get("recipient") or "(no address)"
    skip = email.get("skipReason")
    print(f"{'to':>10}: {recipient}" + (f"  (the run skips it: {skip})" if skip else ""))
    figures = ", ".join(f"{key} {cell(result[key], 40)}" for key in _FIGURES if key in result)
    print(f"{'result':>10}: {figures}")
    print()
    print(email["bodyHtml"] if html else email["bodyText"])


def _preview(api: AdminApi, args: argparse.Namespace) -> int:
    path = f"/api/admin/preview/{args.kind}"
    params = _params(args)
    if args.send_to is None:
        answer = api.call("GET", path, params=params)
        if args.json:
            print(json.dumps(answer, indent=2, ensure_ascii=False))
        else:
            _print_preview(answer, html=args.html)
        return 0
    params["to"] = args.send_to
    if args.reason:
        params["reason"] = args.reason
    answer = api.call("POST", f"{path}/send", params=params)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(f"test email {answer['idempotencyKey']} to {answer['to']}: {answer['subject']}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        api = AdminApi.from_settings(settings, load_cli_settings().sportify_url)
        try:
            return _preview(api, args)
        finally:
            api.close()
    except ApiError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return exc.exit_code
