"""The SMTP circuit (SPEC 4.4): whose fault a failed send was, and when to probe. Pure.

A failure of the *server* is not a failure of the message. When the server cannot take mail
at all (refused or dropped connection, a timeout before it accepted the message, TLS or
authentication failure, `421`, or any error reply before RCPT TO: to the greeting, EHLO,
AUTH or MAIL FROM) the row goes back as it was, and the mailer's circuit opens: it claims
nothing and probes the server (connect, EHLO, STARTTLS/AUTH as configured, NOOP, QUIT; no
mail) after 5 s, 10 s, 20 s, … up to SMTP_PROBE_MAX_SECONDS. The first good probe closes it.
Only replies to RCPT TO and DATA (other than 421) are verdicts on one message (`retry.py`).

| state  | event                  | next state | what the shell does                                |
|--------|------------------------|------------|----------------------------------------------------|
| closed | server failure         | open       | gauge 1, one alert, first probe in 5 s (*)         |
| open   | server failure         | open       | nothing (sends that were already under way)        |
| open   | probe failed           | open       | next probe after twice the delay, at most the cap  |
| open   | probe succeeded        | closed     | gauge 0, sending resumes at once                   |

(*) Unless the circuit closed less than SMTP_PROBE_MAX_SECONDS ago: then the back-off goes
on where it stopped, so a server that answers probes but refuses every mail is not hammered.

Every replica keeps its own circuit: the state lives in the process, never in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

FIRST_PROBE_SECONDS: Final = 5.0
SERVICE_NOT_AVAILABLE: Final = 421


class SmtpStage(StrEnum):
    """Where in the SMTP session a failure happened."""

    CONNECT = "connect"
    """TCP connect, the greeting, implicit TLS or STARTTLS."""
    EHLO = "ehlo"
    AUTH = "auth"
    MAIL = "mail"
    """MAIL FROM."""
    RCPT = "rcpt"
    """RCPT TO."""
    DATA = "data"


MESSAGE_STAGES: Final = frozenset({SmtpStage.RCPT, SmtpStage.DATA})
"""The only stages whose replies can be about one message rather than the server."""


def is_server_failure(stage: SmtpStage, code: int | None) -> bool:
    """True when the server, not this message, failed: no reply at all (refused, dropped,
    timed out), `421` anywhere, or any error before RCPT TO (greeting, TLS, EHLO, AUTH,
    MAIL FROM). Only a 4xx/5xx reply (not 421) to RCPT TO or DATA is the message's."""
    if code is None or code == SERVICE_NOT_AVAILABLE:
        return True
    return stage not in MESSAGE_STAGES


@dataclass(frozen=True, slots=True)
class ProbePolicy:
    first_seconds: float = FIRST_PROBE_SECONDS
    max_seconds: float = 60.0

    def delay(self, failed_probes: int) -> float:
        """Seconds before the next probe: first * 2^failed, capped at max (never below first)."""
        exponent = min(max(failed_probes, 0), 62)
        return max(self.first_seconds, min(self.max_seconds, self.first_seconds * 2.0**exponent))


@dataclass(frozen=True, slots=True)
class Circuit:
    """Closed (sending) when `opened_at` is None; otherwise open since then."""

    opened_at: datetime | None = None
    failed_probes: int = 0
    """The back-off level: failed probes of this opening, plus those of an opening that ended
    less than the cap ago (a server that passes probes but refuses MAIL FROM is probed less and
    less often, not every 5 s)."""
    reason: str | None = None
    """What opened it (the first server failure), for logs and the alert."""
    closed_at: datetime | None = None
    """When the last opening ended (closed circuits only)."""

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def trip(self, reason: str, *, now: datetime, policy: ProbePolicy) -> Circuit:
        """A server failure: opens a closed circuit; an open one stays as it is."""
        if self.is_open:
            return self
        level = 0
        if (
            self.closed_at is not None
            and (now - self.closed_at).total_seconds() < policy.max_seconds
        ):
            level = self.failed_probes + 1
        return Circuit(opened_at=now, failed_probes=level, reason=reason)

    def probe_failed(self) -> Circuit:
        if not self.is_open:
            return self
        return Circuit(self.opened_at, self.failed_probes + 1, self.reason)

    def probe_succeeded(self, *, now: datetime) -> Circuit:
        if not self.is_open:
            return self
        return Circuit(failed_probes=self.failed_probes, closed_at=now)

    def next_probe_seconds(self, policy: ProbePolicy) -> float:
        return policy.delay(self.failed_probes)

    def open_seconds(self, now: datetime) -> float:
        return 0.0 if self.opened_at is None else (now - self.opened_at).total_seconds()


CLOSED: Final = Circuit()
