"""Raising a service's own alert (SPEC 4.7, 14): the one path every service takes.

1. De-duplicate by title in the database (`alerts_sent`): the same title within
   ALERT_DEDUP_MINUTES is not sent again, by any replica of any service, to either channel.
2. ALERT_WEBHOOK_URL set: POST `{"title", "text", "severity", "jobRunId", "url"}` in a task of
   its own (retried with back-off by `webhooks.post_alert`), started before the email is
   requested, so neither a slow receiver nor a broker or SMTP outage holds the other up, and
   the caller (a run, a cleanup) never waits for it.
3. ALERT_EMAIL / SMTP_USER set: request `[Sportify Alert] <title>` (`email.requested`); the
   mailer stores it and sends it first once the SMTP server takes mail.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import publish
from sportify_common.emails.alert import (
    Alert,
    RunLinks,
    alert_email,
    alert_text,
    alert_title,
    run_links,
)
from sportify_common.messages import RoutingKey
from sportify_common.service_context import ServiceContext
from sportify_common.settings import AlertSettings
from sportify_common.webhooks import WebhookAlert, post_alert

logger = logging.getLogger(__name__)

# The webhook posts in flight: a reference keeps each task alive until it is done (the event
# loop holds tasks only weakly).
_webhook_posts: set[asyncio.Task[bool]] = set()


async def claim_alert_slot(
    engine: AsyncEngine, *, title: str, now: datetime, dedup: timedelta
) -> bool:
    """True when `title` was not sent within `dedup`; records the send atomically."""
    async with engine.begin() as conn:
        result = await conn.execute(
            text(
                """
                insert into alerts_sent (title, last_sent_at, count) values (:title, :now, 1)
                on conflict (title) do update
                   set last_sent_at = excluded.last_sent_at, count = alerts_sent.count + 1
                 where alerts_sent.last_sent_at <= :cutoff
                returning title
                """
            ),
            {"title": title, "now": now, "cutoff": now - dedup},
        )
        return result.first() is not None


def _post_in_background(url: str, alert: WebhookAlert) -> asyncio.Task[bool]:
    task = asyncio.create_task(post_alert(url, alert), name=f"alert-webhook: {alert.title}")
    _webhook_posts.add(task)
    task.add_done_callback(_webhook_posts.discard)
    return task


async def webhook_posts_done(timeout: float) -> bool:
    """Wait up to `timeout` for the webhook posts in flight (a stopping service, a test)."""
    pending = set(_webhook_posts)
    if not pending:
        return True
    _done, still = await asyncio.wait(pending, timeout=timeout)
    return not still


async def raise_alert(
    context: ServiceContext[AlertSettings], alert: Alert, *, now: datetime
) -> bool:
    """Send `alert` by webhook and email unless its title went out within ALERT_DEDUP_MINUTES.
    True when it went out (to at least one channel). Raises only when the database or the
    broker fails (callers log it: an alert never fails the work it reports on)."""
    settings = context.settings
    title = alert_title(alert.title)
    recipient = settings.alert_recipient
    webhook = settings.alert_webhook_url
    links: RunLinks | None = (
        run_links(settings.monitor_base_url, alert.job_run_id) if alert.job_run_id else None
    )
    if not recipient and not webhook:
        logger.warning(
            "alert %r not sent: neither ALERT_EMAIL, SMTP_USER nor ALERT_WEBHOOK_URL is set: %s",
            title,
            alert.what_happened,
        )
        return False
    dedup = timedelta(minutes=settings.alert_dedup_minutes)
    if not await claim_alert_slot(context.engine, title=title, now=now, dedup=dedup):
        logger.info("alert %r suppressed: already sent within %s", title, dedup)
        return False
    if webhook:
        _post_in_background(
            webhook,
            WebhookAlert(
                title=title,
                text=alert_text(alert, links, now=now),
                severity=alert.severity,
                job_run_id=str(alert.job_run_id) if alert.job_run_id else None,
                url=links.console if links is not None else None,
            ),
        )
    if recipient:
        message = alert_email(alert, recipient=recipient, now=now, links=links)
        await publish(context.broker, context.topology, RoutingKey.EMAIL_REQUESTED, message)
    context.metrics.alerts_sent.inc()
    logger.warning("alert raised: %s", title)
    return True


async def last_sent(engine: AsyncEngine, *, title_prefix: str) -> datetime | None:
    """When an alert whose title starts with `title_prefix` was last sent (None: never)."""
    async with engine.connect() as conn:
        result = await conn.execute(
            text("select max(last_sent_at) from alerts_sent where starts_with(title, :prefix)"),
            {"prefix": title_prefix},
        )
        value = result.scalar_one()
    return value if isinstance(value, datetime) else None
