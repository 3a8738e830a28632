"""`sportify trigger …`: call the monitor's HTTP API with the cron secret."""

from __future__ import annotations

import json
import sys

import httpx

from sportify_common.settings import Settings
from sportify_common.vocabulary import MONTHLY, WEEKLY

PATHS = {
    "weekly": "/api/events/weekly",
    "monthly": "/api/events/monthly",
    "dispatch": "/api/events/emails/dispatch",
    "cleanup": "/api/events/cleanup",
    "retention": "/api/events/retention",
}


def monitor_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.monitor_host in ("0.0.0.0", "") else settings.monitor_host  # noqa: S104
    return f"http://{host}:{settings.monitor_port}"


def trigger_params(
    job: str, *, force: bool, week_start: str | None, month: str | None, limit: int | None
) -> dict[str, str]:
    params: dict[str, str] = {}
    if force:
        params["force"] = "true"
    if week_start and job == "weekly":
        params[WEEKLY.query_param] = week_start
    if month and job == "monthly":
        params[MONTHLY.query_param] = month
    if limit is not None and job == "dispatch":
        params["limit"] = str(limit)
    return params


def trigger(
    settings: Settings,
    *,
    job: str,
    force: bool = False,
    week_start: str | None = None,
    month: str | None = None,
    limit: int | None = None,
) -> int:
    if settings.cron_secret is None:
        print("sportify: set EVENTS_CRON_SECRET or CRON_SECRET to trigger jobs", file=sys.stderr)
        return 2
    params = trigger_params(job, force=force, week_start=week_start, month=month, limit=limit)
    try:
        response = httpx.post(
            monitor_url(settings) + PATHS[job],
            params=params,
            headers={"Authorization": f"Bearer {settings.cron_secret.get_secret_value()}"},
            timeout=settings.events_trigger_wait_seconds + 10,
        )
    except httpx.HTTPError as exc:
        print(
            f"sportify: the monitor at {monitor_url(settings)} is not reachable: {exc}",
            file=sys.stderr,
        )
        return 1
    try:
        body = response.json()
    except ValueError:
        body = response.text
    print(json.dumps(body, indent=2, ensure_ascii=False) if not isinstance(body, str) else body)
    return 0 if response.status_code < 400 else 1
