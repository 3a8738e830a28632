"""`sportify emails …`, `sportify suppressions …`, `sportify audit`: SPEC 12 from a terminal.

Each calls the admin API (`SPORTIFY_URL`, `ADMIN_API_TOKEN`) as `cli:<OS user>`; a table for
people, the API's JSON with `--json`. A 4xx exits 2 with the API's message; an unreachable
monitor or a 5xx exits 1.
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
from sportify_common.vocabulary import EmailKind, EmailStatus, SuppressionSource

COMMANDS = ("emails", "suppressions", "audit")

EMAIL_COLUMNS = (
    ("ID", "id"),
    ("CREATED", "createdAt"),
    ("STATUS", "status"),
    ("KIND", "kind"),
    ("RECIPIENT", "recipient"),
    ("ATT", "attempts"),
    ("ERROR", "error"),
)
SUPPRESSION_COLUMNS = (
    ("ADDRESS", "address"),
    ("SOURCE", "source"),
    ("CREATED", "createdAt"),
    ("EXPIRES", "expiresAt"),
    ("REASON", "reason"),
)
AUDIT_COLUMNS = (
    ("AT", "at"),
    ("ACTOR", "actor"),
    ("ACTION", "action"),
    ("TARGET", "target"),
    ("REASON", "reason"),
)
_FILTERS = (
    ("status", "status"),
    ("kind", "kind"),
    ("recipient", "recipient"),
    ("created_from", "createdFrom"),
    ("created_to", "createdTo"),
    ("failed_after_retries", "failedAfterRetries"),
)


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered not in {"true", "false"}:
        raise argparse.ArgumentTypeError("must be true or false")
    return lowered == "true"


def _email_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=[s.value for s in EmailStatus])
    parser.add_argument("--kind", choices=[k.value for k in EmailKind])
    parser.add_argument("--recipient", metavar="ADDRESS", help="the whole address, any case")
    parser.add_argument("--created-from", metavar="INSTANT", help="ISO date or instant (UTC)")
    parser.add_argument("--created-to", metavar="INSTANT", help="exclusive")
    parser.add_argument("--failed-after-retries", type=_flag, metavar="true|false")


def _page(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, metavar="N", help="1…500 (default 50)")
    parser.add_argument("--cursor", metavar="C", help="nextCursor of the previous page")
    parser.add_argument("--json", action="store_true", help="the API's JSON, for scripts")


def add_parsers(commands: Any) -> None:
    """Register the three commands on the CLI's subparsers."""
    emails = commands.add_parser("emails", help="list, show and requeue queued emails")
    email_commands = emails.add_subparsers(dest="action", required=True)
    listing = email_commands.add_parser("list", help="emails, newest first")
    _email_filters(listing)
    _page(listing)
    show = email_commands.add_parser("show", help="one email with its bodies and headers")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    requeue = email_commands.add_parser(
        "requeue", help="put failed emails back to pending (by --id or by filters)"
    )
    requeue.add_argument("--id", action="append", dest="ids", metavar="ID", default=[])
    _email_filters(requeue)
    requeue.add_argument("--dry-run", action="store_true", help="count, change nothing")
    requeue.add_argument("--confirm", action="store_true", help="needed above 10,000 rows")
    requeue.add_argument("--reason", metavar="TEXT", help="recorded in the audit log")
    requeue.add_argument("--json", action="store_true")

    suppressions = commands.add_parser("suppressions", help="the suppression list")
    suppression_commands = suppressions.add_subparsers(dest="action", required=True)
    listed = suppression_commands.add_parser("list", help="active entries, newest first")
    listed.add_argument("--address")
    listed.add_argument("--source", choices=[s.value for s in SuppressionSource])
    listed.add_argument("--include-expired", action="store_true")
    _page(listed)
    add = suppression_commands.add_parser("add", help="suppress an address until removed")
    add.add_argument("address")
    add.add_argument("--reason", required=True, metavar="TEXT")
    add.add_argument("--json", action="store_true")
    remove = suppression_commands.add_parser("remove", help="let an address get email again")
    remove.add_argument("address")
    remove.add_argument("--reason", metavar="TEXT", help="recorded in the audit log")
    remove.add_argument("--json", action="store_true")

    audit = commands.add_parser("audit", help="operator actions, newest first")
    audit.add_argument("--action", metavar="NAME", help="e.g. emails.requeue")
    _page(audit)


def _filter_of(args: argparse.Namespace) -> dict[str, Any]:
    return {key: getattr(args, name) for name, key in _FILTERS if getattr(args, name) is not None}


def _page_params(args: argparse.Namespace) -> dict[str, str]:
    params = {}
    if args.limit is not None:
        params["limit"] = str(args.limit)
    if args.cursor:
        params["cursor"] = args.cursor
    return params


def _print_list(answer: dict[str, Any], key: str, columns: Any, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    rows = answer[key]
    print(render_table(rows, columns) if rows else f"no {key}")
    if answer.get("nextCursor"):
        print(f"more: --cursor {answer['nextCursor']}")


def _emails(api: AdminApi, args: argparse.Namespace) -> int:
    if args.action == "list":
        params = {
            k: str(v).lower() if isinstance(v, bool) else v for k, v in _filter_of(args).items()
        }
        answer = api.call("GET", "/api/admin/emails", params=params | _page_params(args))
        _print_list(answer, "emails", EMAIL_COLUMNS, as_json=args.json)
        return 0
    if args.action == "show":
        answer = api.call("GET", f"/api/admin/emails/{quote(args.id, safe='')}")
        if args.json:
            print(json.dumps(answer, indent=2, ensure_ascii=False))
        else:
            email = answer["email"]
            for name in ("id", "recipient", "kind", "subject", "status", "attempts", "error",
                         "createdAt", "sentAt", "nextAttemptAt"):  # fmt: skip
                print(f"{name:>14}: {email.get(name) if email.get(name) is not None else '-'}")
            body = email.get("bodyText")
            print("\n" + (body if body is not None else "(body cleared by retention)"))
        return 0
    filters = _filter_of(args)
    if not args.ids and not filters:
        raise ApiError("name emails with --id, or filters such as --status failed", exit_code=2)
    request: dict[str, Any] = {"dryRun": args.dry_run, "confirm": args.confirm}
    if args.ids:
        request["ids"] = args.ids
    if filters or not args.ids:
        request["filter"] = filters
    if args.reason:
        request["reason"] = args.reason
    answer = api.call("POST", "/api/admin/emails/requeue", body=request)
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        verb = "would be requeued (dry run)" if answer["dryRun"] else "requeued"
        print(
            f"{answer['requeued']} of {answer['matched']} matched emails {verb}; "
            f"not failed {answer['notFailed']}, body cleared {answer['bodyCleared']}, "
            f"not found {answer['notFound']}"
        )
    return 0


def _suppressions(api: AdminApi, args: argparse.Namespace) -> int:
    if args.action == "list":
        params = _page_params(args)
        if args.address:
            params["address"] = args.address
        if args.source:
            params["source"] = args.source
        if args.include_expired:
            params["includeExpired"] = "true"
        answer = api.call("GET", "/api/admin/suppressions", params=params)
        _print_list(answer, "suppressions", SUPPRESSION_COLUMNS, as_json=args.json)
        return 0
    if args.action == "add":
        answer = api.call(
            "POST",
            "/api/admin/suppressions",
            body={"address": args.address, "reason": args.reason},
        )
        entry = answer["suppression"]
        message = f"suppressed {entry['address']} until removed"
        if answer.get("replaced"):
            message += f" (replaced a {answer['replaced']['source']} entry)"
    else:
        answer = api.call(
            "DELETE",
            f"/api/admin/suppressions/{quote(args.address, safe='@')}",
            params={"reason": args.reason} if args.reason else None,
        )
        message = f"removed {answer['removed']['address']} from the suppression list"
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else message)
    return 0


def _audit(api: AdminApi, args: argparse.Namespace) -> int:
    params = _page_params(args)
    if args.action:
        params["action"] = args.action
    answer = api.call("GET", "/api/admin/audit", params=params)
    _print_list(answer, "entries", AUDIT_COLUMNS, as_json=args.json)
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        api = AdminApi.from_settings(settings, load_cli_settings().sportify_url)
        try:
            match args.command:
                case "emails":
                    return _emails(api, args)
                case "suppressions":
                    return _suppressions(api, args)
                case _:
                    return _audit(api, args)
        finally:
            api.close()
    except ApiError as exc:
        print(f"sportify: {exc}", file=sys.stderr)
        return exc.exit_code
