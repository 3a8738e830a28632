"""How the console shows instants, durations and statuses. Pure: no I/O.

Every instant is shown in the configured zone (EVENTS_TIMEZONE) with its UTC instant on hover;
every status is a word and a tone (the colour only repeats what the word says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final

OK: Final = "ok"
BAD: Final = "bad"
WARN: Final = "warn"
INFO: Final = "info"
MUTED: Final = "muted"

_TONES: Final = {
    "completed": OK,
    "sent": OK,
    "up": OK,
    "closed": OK,
    "active": OK,
    "run": INFO,
    "queued": INFO,
    "running": INFO,
    "pending": INFO,
    "sending": INFO,
    "retrying": WARN,
    "paused": WARN,
    "skipped": MUTED,
    "skip": MUTED,
    "cancelled": MUTED,
    "expired": MUTED,
    "failed": BAD,
    "down": BAD,
    "open": BAD,
    "stuck": BAD,
}


@dataclass(frozen=True, slots=True)
class Shown:
    """An instant as shown: local text, and the ISO-8601 UTC instant for `datetime`/`title`."""

    text: str
    utc: str


def parse_wire(value: str | None) -> datetime | None:
    """An instant of the admin API's JSON (`2026-03-01T12:00:00.000Z`), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def instant(value: datetime | str | None, zone: tzinfo) -> Shown | None:
    moment = parse_wire(value) if isinstance(value, str) else value
    if moment is None:
        return None
    local = moment.astimezone(zone)
    utc = moment.astimezone(UTC)
    return Shown(
        text=local.strftime("%Y-%m-%d %H:%M"),
        utc=utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def between(start: datetime | str | None, end: datetime | str | None) -> float | None:
    first = parse_wire(start) if isinstance(start, str) else start
    last = parse_wire(end) if isinstance(end, str) else end
    if first is None or last is None:
        return None
    return (last - first).total_seconds()


def tone(status: str | None) -> str:
    return _TONES.get((status or "").lower(), MUTED)


def zone_name(zone: tzinfo) -> str:
    return str(zone)
