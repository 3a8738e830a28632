"""The one alert per opening of the SMTP circuit (SPEC 4.4, 14): webhook and queued email.

It goes the path of every alert (`raise_alert`): de-duplicated by title in the database, so
a flapping server does not flood the channel; posted to ALERT_WEBHOOK_URL in a task of its
own, which is how it reaches a person while email is down; and requested as an email, stored
now and, alerts being claimed first, the first email sent when the server is back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sportify_common.alerts import raise_alert
from sportify_common.emails.alert import Alert
from sportify_common.periods import to_wire
from sportify_common.service_context import ServiceContext
from sportify_common.settings import MailerSettings

logger = logging.getLogger(__name__)


def alert_title(settings: MailerSettings) -> str:
    return f"SMTP server {settings.smtp_host}:{settings.smtp_port} failing: mailer sending paused"


def circuit_alert(settings: MailerSettings, *, reason: str, opened_at: datetime) -> Alert:
    return Alert(
        title=alert_title(settings),
        what_happened=(
            f"Since {to_wire(opened_at)} the SMTP server {settings.smtp_host}:"
            f"{settings.smtp_port} cannot take mail. The mailer counts no attempt for this: "
            "every email stays queued as it was, nothing is marked failed, and nothing is sent "
            "until the server answers again. It probes the server (no mail) with back-off up to "
            f"every {settings.smtp_probe_max_seconds:.0f} s and resumes sending on its own on "
            "the first good probe."
        ),
        error=reason,
        severity="critical",
        hints=(
            "the mailer's log and its metric sportify_smtp_circuit_open (1 while paused)",
            "SMTP_HOST, SMTP_PORT, SMTP_TLS and the credentials SMTP_USER / SMTP_PASS",
        ),
    )


@dataclass(frozen=True, slots=True)
class CircuitAlert:
    context: ServiceContext[MailerSettings]

    async def __call__(self, reason: str, opened_at: datetime) -> None:
        alert = circuit_alert(self.context.settings, reason=reason, opened_at=opened_at)
        try:
            await raise_alert(self.context, alert, now=self.context.clock())
        except Exception:
            logger.exception("the SMTP circuit alert failed")
