"""Raising an alert: de-duplicate by title in the database, then request the email."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.broker import publish
from sportify_common.emails.alert import alert_email
from sportify_common.messages import RoutingKey
from sportify_common.service_context import ServiceContext
from sportify_common.settings import AlertSettings

logger = logging.getLogger(__name__)


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


async def raise_alert(
    context: ServiceContext[AlertSettings], *, title: str, body: str, now: datetime
) -> bool:
    """Request `[Sportify Alert] <title>` unless sent within ALERT_DEDUP_MINUTES. True if sent."""
    settings = context.settings
    recipient = settings.alert_recipient
    if not recipient:
        logger.warning(
            "alert %r not emailed: neither ALERT_EMAIL nor SMTP_USER is set: %s", title, body
        )
        return False
    dedup = timedelta(minutes=settings.alert_dedup_minutes)
    if not await claim_alert_slot(context.engine, title=title, now=now, dedup=dedup):
        logger.info("alert %r suppressed: already sent within %s", title, dedup)
        return False
    message = alert_email(title=title, body=body, recipient=recipient, now=now)
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
