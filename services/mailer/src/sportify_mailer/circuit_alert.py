"""The one alert per opening of the SMTP circuit (SPEC 4.4, 14): webhook and queued email.

Both go out side by side in the breaker's alert task. The webhook is posted when
ALERT_WEBHOOK_URL is set, at most once per ALERT_DEDUP_MINUTES from this process (a flapping
server does not flood the channel). The email goes the normal alert path (`raise_alert`:
de-duplicated by title in the database, published as `email.requested`), so it is stored now
and, alerts being claimed first, is the first email sent when the server is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from sportify_common.alerts import raise_alert
from sportify_common.periods import to_wire
from sportify_common.service_context import ServiceContext
from sportify_common.settings import MailerSettings
from sportify_common.webhooks import WebhookAlert, post_alert

logger = logging.getLogger(__name__)


def alert_title(settings: MailerSettings) -> str:
    return f"SMTP server {settings.smtp_host}:{settings.smtp_port} failing: mailer sending paused"


def alert_text(settings: MailerSettings, *, reason: str, opened_at: datetime) -> str:
    return (
        f"Since {to_wire(opened_at)} the SMTP server {settings.smtp_host}:{settings.smtp_port} "
        f"cannot take mail ({reason}).\n\n"
        "The mailer counts no attempt for this: every email stays queued as it was, nothing is "
        "marked failed, and nothing is sent until the server answers again. It probes the "
        f"server (no mail) with back-off up to every {settings.smtp_probe_max_seconds:.0f} s "
        "and resumes sending on its own on the first good probe.\n\n"
        "Where to look: the mailer's log and its metric sportify_smtp_circuit_open (1 while "
        "paused); check SMTP_HOST, SMTP_PORT, SMTP_TLS and the credentials SMTP_USER/SMTP_PASS."
    )


@dataclass
class CircuitAlert:
    context: ServiceContext[MailerSettings]
    _last_webhook: float | None = field(default=None, init=False)

    async def __call__(self, reason: str, opened_at: datetime) -> None:
        settings = self.context.settings
        title = alert_title(settings)
        text = alert_text(settings, reason=reason, opened_at=opened_at)
        work = [raise_alert(self.context, title=title, body=text, now=self.context.clock())]
        if settings.alert_webhook_url and self._webhook_due(settings.alert_dedup_minutes):
            alert = WebhookAlert(title=title, text=text, severity="critical")
            work.append(self._post(settings.alert_webhook_url, alert))
        for result in await asyncio.gather(*work, return_exceptions=True):
            if isinstance(result, BaseException):
                logger.error("the SMTP circuit alert failed: %r", result)

    def _webhook_due(self, dedup_minutes: float) -> bool:
        now = time.monotonic()
        if self._last_webhook is not None and now - self._last_webhook < dedup_minutes * 60:
            logger.info("SMTP circuit webhook not posted again within ALERT_DEDUP_MINUTES")
            return False
        self._last_webhook = now
        return True

    async def _post(self, url: str, alert: WebhookAlert) -> bool:
        return await post_alert(url, alert)
