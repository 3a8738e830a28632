"""What the console's pages read beyond the admin operations: health, the chart's figures and
the run list's pages. The SQL is the tables' own modules' (`jobs.queries`,
`email_queue_reads`, `alerts`); this module only gathers it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from sportify_common import email_queue_reads
from sportify_common.alerts import last_sent
from sportify_common.db.engine import ping
from sportify_common.jobs import queries as jobs
from sportify_common.paging import Cursor, CursorError
from sportify_monitor.console import chart
from sportify_monitor.context import Monitor
from sportify_monitor.errors import bad_request

SMTP_ALERT_PREFIX: Final = "SMTP server "
"""The mailer's circuit alert title (`sportify_mailer.circuit_alert.alert_title`)."""
CIRCUIT_RECENT: Final = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Health:
    database: bool
    broker: bool
    circuit_opened_at: datetime | None
    """The latest opening of a mailer's SMTP circuit (its alert), None when none is recorded."""
    circuit_recent: bool


async def _broker_up(monitor: Monitor) -> bool:
    try:
        return bool(await monitor.broker.ping(timeout=2.0))
    except Exception:
        return False


async def _circuit(monitor: Monitor) -> datetime | None:
    try:
        return await last_sent(monitor.engine, title_prefix=SMTP_ALERT_PREFIX)
    except Exception:
        return None


async def health(monitor: Monitor) -> Health:
    database, broker, opened = await asyncio.gather(
        ping(monitor.engine, timeout=2.0), _broker_up(monitor), _circuit(monitor)
    )
    recent = opened is not None and monitor.clock() - opened < CIRCUIT_RECENT
    return Health(database=database, broker=broker, circuit_opened_at=opened, circuit_recent=recent)


async def monitoring_document(monitor: Monitor) -> dict[str, Any]:
    """The admin API's monitoring document (the same shared load), as a dict."""
    loaded: dict[str, Any] = json.loads(await monitor.monitoring_documents.get())
    return loaded


@dataclass(frozen=True, slots=True)
class Charts:
    durations_svg: str
    emails_svg: str
    peak_duration: float
    emails_total: int


async def charts(monitor: Monitor) -> Charts:
    now = monitor.clock()
    zone = monitor.settings.zone
    since = now - timedelta(days=chart.DAYS + 1)
    async with monitor.engine.connect() as conn:
        durations = await jobs.hourly_durations(conn, since=since)
        sent = await email_queue_reads.sent_per_hour(conn, since=since)
    today = now.astimezone(zone).date()
    evaluations = [
        (row.hour, row.max_seconds)
        for row in durations
        if row.job_name in ("weekly-events", "monthly-events")
    ]
    duration_days = chart.per_local_day(evaluations, zone, today, how="max")
    sent_days = chart.per_local_day([(h, float(n)) for h, n in sent], zone, today)
    return Charts(
        durations_svg=chart.bar_chart(
            duration_days,
            title="Longest weekly or monthly run per day, seconds, last 30 days",
            unit="s",
            css_class="bar-runs",
        ),
        emails_svg=chart.bar_chart(
            sent_days,
            title="Emails sent per day, last 30 days",
            unit="emails",
            css_class="bar-mail",
        ),
        peak_duration=max((d.value for d in duration_days), default=0.0),
        emails_total=int(sum(d.value for d in sent_days)),
    )


@dataclass(frozen=True, slots=True)
class RunPage:
    rows: list[jobs.JobRunRow]
    next_cursor: str | None


async def runs_page(
    monitor: Monitor, *, job_name: str | None, status: str | None, cursor: str | None, limit: int
) -> RunPage:
    after_at: datetime | None = None
    after_id: UUID | None = None
    if cursor:
        try:
            decoded = Cursor.decode(cursor)
            after_at, after_id = decoded.at, UUID(decoded.key)
        except (CursorError, ValueError) as exc:
            raise bad_request("cursor: cursor is not one this list returned.") from exc
    async with monitor.engine.connect() as conn:
        rows = await jobs.page(
            conn,
            job_name=job_name,
            status=status,
            after_at=after_at,
            after_id=after_id,
            limit=limit + 1,
        )
    more = len(rows) > limit
    shown = rows[:limit]
    next_cursor = (
        Cursor(shown[-1].created_at, str(shown[-1].id)).encode() if more and shown else None
    )
    return RunPage(rows=shown, next_cursor=next_cursor)
