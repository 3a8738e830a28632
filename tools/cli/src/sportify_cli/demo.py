"""`sportify demo`: migrate, demo data, a weekly and a monthly run end to end, the emails.

The services run as child processes (as under `sportify dev`); the runs are triggered through
the monitor's HTTP API, exactly as cron would. Without SMTP_HOST the demo brings its own SMTP
server and saves every email as an .eml file.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_cli.console_hint import console_url, sign_in_hint
from sportify_cli.database import migrate
from sportify_cli.demo_data import ATHLETES, insert_demo_data
from sportify_cli.demo_sink import EmlFolderSink
from sportify_cli.devtree import start_tree, stop_tree
from sportify_cli.trigger import monitor_url
from sportify_common import email_queue_reads
from sportify_common.clock import utc_now
from sportify_common.db.engine import create_engine
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings, load_settings
from sportify_common.vocabulary import MONTHLY, WEEKLY, EmailStatus, EvaluatedPeriod


def run_demo(settings: Settings) -> int:
    env = dict(os.environ)
    with ExitStack() as stack:
        sink: EmlFolderSink | None = None
        if not os.environ.get("SMTP_HOST"):
            folder = Path("demo-emails") / utc_now().strftime("%Y%m%dT%H%M%SZ")
            sink = stack.enter_context(EmlFolderSink(folder))
            env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_TLS": "none"}
        secret_made_up = settings.cron_secret is None and settings.admin_api_token is None
        if settings.cron_secret is None:
            env["CRON_SECRET"] = secrets.token_urlsafe(24)
        env.setdefault("EVENTS_TRIGGER_WAIT_SECONDS", "60")
        # The demo triggers its periods itself; the scheduler's catch-up would race it to them.
        env["SCHEDULER_CATCH_UP_PERIODS"] = "0"
        demo_settings = load_settings(
            smtp_host=env.get("SMTP_HOST", settings.smtp_host),
            smtp_port=int(env.get("SMTP_PORT", settings.smtp_port)),
            cron_secret=env.get("EVENTS_CRON_SECRET") or env.get("CRON_SECRET"),
        )
        code = asyncio.run(_demo(demo_settings, env, sink))
    _say(f"7. Ops console: {console_url(settings)}")
    print(
        f"   start the services with `make dev` (or `sportify dev`), open {console_url(settings)}"
    )
    print(f"   and {sign_in_hint(settings, secret_made_up=secret_made_up)}")
    return code


async def _demo(settings: Settings, env: dict[str, str], sink: EmlFolderSink | None) -> int:
    now = utc_now()
    week = latest_closed(PeriodKind.WEEKLY, now, settings.zone)
    month = latest_closed(PeriodKind.MONTHLY, now, settings.zone)
    _say(f"1. Migrating {settings.database_url.rsplit('@', 1)[-1]}")
    await migrate(settings)
    engine = create_engine(settings)
    try:
        _say(
            f"2. Demo data: {len(ATHLETES)} athletes, workouts in week {week.label} and month {month.label}"
        )
        async with engine.begin() as conn:
            await insert_demo_data(conn, week=week, month=month, now=now)
        _say("3. Starting scheduler, aggregator, mailer and monitor")
        children = start_tree(settings, env)
        try:
            await _wait_ready(settings)
            _say(
                f"4. Weekly evaluation of the week starting {week.label} (POST /api/events/weekly?force=true)"
            )
            weekly = await _trigger(
                settings, "/api/events/weekly", {"force": "true", WEEKLY.query_param: week.label}
            )
            _print_run(weekly, WEEKLY, "week")
            await _print_weekly(engine, week.start)
            _say(f"5. Monthly evaluation of {month.label} (POST /api/events/monthly?force=true)")
            monthly = await _trigger(
                settings, "/api/events/monthly", {"force": "true", MONTHLY.query_param: month.label}
            )
            _print_run(monthly, MONTHLY, "month")
            await _print_monthly(engine, month.start)
            _say("6. Emails")
            queued = weekly["emailSummary"]["queued"] + monthly["emailSummary"]["queued"]
            await _print_emails(engine, since=now, expected=queued, sink=sink)
        finally:
            stop_tree(children)
    finally:
        await engine.dispose()
    return 0


def _say(line: str) -> None:
    print(f"\n== {line}", flush=True)


async def _wait_ready(settings: Settings, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(monitor_url(settings) + "/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(
        f"the monitor at {monitor_url(settings)} did not become ready in {timeout:.0f} s"
    )


async def _trigger(settings: Settings, path: str, params: dict[str, str]) -> dict[str, Any]:
    assert settings.cron_secret is not None  # noqa: S101 - run_demo always sets one
    async with httpx.AsyncClient(timeout=settings.events_trigger_wait_seconds + 30) as client:
        response = await client.post(
            monitor_url(settings) + path,
            params=params,
            headers={"Authorization": f"Bearer {settings.cron_secret.get_secret_value()}"},
        )
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("status") != "ok":
        raise RuntimeError(f"{path} answered {response.status_code}: {body}")
    return body


def _print_run(body: dict[str, Any], period: EvaluatedPeriod, noun: str) -> None:
    print(
        f"   run {body['jobRunId']}: {body['processedUsers']} users processed, "
        f"{noun} {body[period.start_key]} .. {body[period.end_key]}"
    )
    summary = body.get("emailSummary", {})
    skipped = ", ".join(f"{k}: {v}" for k, v in summary.get("skipped", {}).items()) or "none"
    print(f"   emails queued: {summary.get('queued', 0)}; skipped: {skipped}")


async def _print_weekly(engine: AsyncEngine, week_start: datetime) -> None:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    """
                    select u.display_name, r.total_points, r.workouts_count,
                           r.leaderboard_rank,
                           (select l.participant_count from leaderboard_results l
                             where l.week_start = r.week_start and l.user_id = r.user_id),
                           r.badges_awarded, r.awards_awarded
                      from weekly_results r
                      join users u on u.id = r.user_id
                     where r.week_start = :start
                     order by r.total_points desc, u.display_name
                     limit 10
                    """
                ),
                {"start": week_start},
            )
        ).all()
    print("   top of the week (points, workouts, rank among friends, badges):")
    for name, points, workouts, rank, participants, badges, _awards in rows:
        badge_list = ", ".join(badges) or "-"
        print(
            f"   {name[:24]:<24} {float(points):>7.0f} pts {workouts:>2} workouts  "
            f"rank {rank}/{participants}  {badge_list}"
        )


async def _print_monthly(engine: AsyncEngine, month_start: datetime) -> None:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    """
                    select u.display_name, r.total_points, r.rankings, r.challenge, r.badges_awarded
                      from monthly_results r join users u on u.id = r.user_id
                     where r.month_start = :start
                     order by r.total_points desc, u.display_name
                     limit 10
                    """
                ),
                {"start": month_start},
            )
        ).all()
        awards = (
            await conn.execute(
                text(
                    "select count(*) from awards where period_kind = 'monthly' and period_start = :start"
                ),
                {"start": month_start},
            )
        ).scalar_one()
    print("   top of the month (points, global points rank, challenge):")
    for name, points, rankings, challenge, _badges in rows:
        global_rank = (rankings.get("global") or {}).get("points")
        reached = "reached" if challenge.get("achieved") else "not reached"
        print(
            f"   {name[:24]:<24} {float(points):>7.0f} pts  global #{global_rank or '-'}  "
            f"challenge {reached}"
        )
    print(f"   monthly awards given: {awards}")


async def _print_emails(
    engine: AsyncEngine, *, since: datetime, expected: int, sink: EmlFolderSink | None
) -> None:
    """Wait until the emails the two runs queued are stored and out of pending/retrying."""
    if expected == 0:
        print(
            "   no new emails: an earlier demo already queued this week's and month's summaries "
            "(their idempotency keys are in email_queue), so nothing is sent twice"
        )
        return
    deadline = time.monotonic() + 30
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            counts = await email_queue_reads.counts_by_status(conn, updated_since=since)
        settled = sum(
            counts.get(status, 0)
            for status in (EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.SKIPPED)
        )
        if settled >= expected:
            break
        await asyncio.sleep(0.5)
    print(
        "   email_queue rows touched by this demo: "
        + (", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none")
    )
    if sink is not None:
        print(
            f"   {sink.handler.count} emails were delivered to the demo's SMTP server and saved as "
            f".eml files in {sink.folder.resolve()}"
        )
        print("   open one with any mail client, or: less " + str(sink.folder / "0001-*.eml"))
    else:
        print(
            f"   emails went to the SMTP server at {os.environ.get('SMTP_HOST')}:"
            f"{os.environ.get('SMTP_PORT', '1025')} (docker compose: Mailpit at http://localhost:8025)"
        )
