"""What a service's own alert says (SPEC 4.7, 14), as email and webhook text. Pure.

An `Alert` is a title that names what failed and its period (so a second period's failure is
never de-duplicated away by the first), what happened, the error, and where to look: the
run's page in the ops console and its admin API URL, on EVENTS_BASE_URL. The email is
`[Sportify Alert] <title>` with a text part and an HTML part that wraps long lines (run ids,
tracebacks) and reads on a phone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal
from uuid import UUID

from sportify_common.emails.headers import safe_header_value
from sportify_common.messages import EmailKind, EmailRequested
from sportify_common.periods import Period, PeriodKind, containing, to_wire

SUBJECT_PREFIX = "[Sportify Alert] "
MAX_TITLE = 200

Severity = Literal["info", "warning", "critical"]

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKLY_JOB, _MONTHLY_JOB = "weekly-events", "monthly-events"


@dataclass(frozen=True, slots=True)
class RunLinks:
    console: str
    """The run's page in the ops console (`/ops/runs/<id>`)."""
    api: str
    """The run in the admin API (`/api/admin/jobs/<id>`)."""


def run_links(base_url: str, run_id: UUID) -> RunLinks:
    base = base_url.rstrip("/")
    return RunLinks(console=f"{base}/ops/runs/{run_id}", api=f"{base}/api/admin/jobs/{run_id}")


@dataclass(frozen=True, slots=True)
class Alert:
    title: str
    """What failed and its period: "weekly-events failed for the week of 2026-11-23"."""
    what_happened: str
    error: str | None = None
    severity: Severity = "warning"
    job_run_id: UUID | None = None
    """The run the alert is about; its links are built from it."""
    hints: tuple[str, ...] = ()
    """More places to look or things to do, one line each."""


def period_phrase(period: Period) -> str:
    """ "the week of 2026-11-23" (its local Monday) or "November 2026"."""
    if period.kind is PeriodKind.WEEKLY:
        return f"the week of {period.first_day.isoformat()}"
    return f"{_MONTHS[period.first_day.month - 1]} {period.first_day.year}"


def run_phrase(job_name: str, scheduled_for: datetime, zone: tzinfo) -> str:
    """A run by what it was for: an evaluation by its period (`scheduled_for` is the period's
    exclusive end), any other job by its slot in UTC."""
    kinds = {_WEEKLY_JOB: PeriodKind.WEEKLY, _MONTHLY_JOB: PeriodKind.MONTHLY}
    kind = kinds.get(str(job_name))
    if kind is not None:
        period = containing(kind, scheduled_for - timedelta(microseconds=1), zone)
        return f"{job_name} for {period_phrase(period)}"
    return f"{job_name} of {scheduled_for.astimezone(zone):%Y-%m-%d %H:%M %Z}".rstrip()


def alert_title(title: str) -> str:
    """The title as it may appear in a header and a dedup key: one line, bounded."""
    return safe_header_value(title, max_length=MAX_TITLE)


def alert_text(alert: Alert, links: RunLinks | None, *, now: datetime) -> str:
    lines = [alert_title(alert.title), "", f"What happened: {alert.what_happened}"]
    if alert.error:
        lines += ["", f"Error: {alert.error}"]
    look = []
    if links is not None:
        look += [f"- the run in the ops console: {links.console}", f"- its admin API: {links.api}"]
    look += [f"- {hint}" for hint in alert.hints]
    if look:
        lines += ["", "Where to look:", *look]
    lines += ["", f"-- Sportify Ops, {to_wire(now)}"]
    return "\n".join(lines) + "\n"


# Inline styles only (mail clients drop <style>); no fixed widths; long words break.
_WRAP = "white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;"
_BODY = (
    "margin:0;padding:16px;background:#ffffff;color:#1d2433;"
    "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "font-size:16px;line-height:1.5;"
)
_BOX = "max-width:640px;margin:0 auto;"
_ERROR = (
    f"{_WRAP}margin:0 0 16px;padding:12px;background:#fdf0ec;border-left:4px solid #c8472b;"
    "border-radius:4px;font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;"
)


def _link(label: str, url: str) -> str:
    href = html.escape(url, quote=True)
    return (
        f'<li style="{_WRAP}margin:0 0 8px;"><a href="{href}">{html.escape(label)}</a>: {href}</li>'
    )


def alert_html(alert: Alert, links: RunLinks | None, *, now: datetime) -> str:
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(alert_title(alert.title))}</title></head>"
        f'<body style="{_BODY}"><div style="{_BOX}">'
        f'<h1 style="{_WRAP}font-size:20px;line-height:1.3;margin:0 0 16px;">'
        f"{html.escape(alert_title(alert.title))}</h1>",
        f'<p style="{_WRAP}margin:0 0 16px;"><strong>What happened:</strong> '
        f"{html.escape(alert.what_happened)}</p>",
    ]
    if alert.error:
        parts.append(
            f'<p style="margin:0 0 4px;"><strong>Error</strong></p>'
            f'<pre style="{_ERROR}">{html.escape(alert.error)}</pre>'
        )
    items = []
    if links is not None:
        items += [_link("The run in the ops console", links.console), _link("Admin API", links.api)]
    items += [f'<li style="{_WRAP}margin:0 0 8px;">{html.escape(h)}</li>' for h in alert.hints]
    if items:
        parts.append(
            '<p style="margin:0 0 4px;"><strong>Where to look</strong></p>'
            f'<ul style="margin:0 0 16px;padding-left:20px;">{"".join(items)}</ul>'
        )
    parts.append(
        f'<p style="color:#5b6475;font-size:13px;margin:0;">Sportify Ops, {to_wire(now)}</p>'
        "</div></body></html>"
    )
    return "".join(parts)


def alert_email(
    alert: Alert, *, recipient: str, now: datetime, links: RunLinks | None = None
) -> EmailRequested:
    title = alert_title(alert.title)
    return EmailRequested(
        idempotency_key=f"alert:{title}:{to_wire(now)}",
        kind=EmailKind.ALERT,
        recipient=recipient,
        user_id=None,
        locale="en",
        subject=safe_header_value(SUBJECT_PREFIX + title),
        body_text=alert_text(alert, links, now=now),
        body_html=alert_html(alert, links, now=now),
        headers={},
    )
