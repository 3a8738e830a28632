"""Period arithmetic (SPEC 2). Pure: instants in, instants out; local time lives only here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum


class PeriodKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class PeriodError(ValueError):
    """A requested period is malformed or has not ended yet."""


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC, with the local first day it was built from."""

    kind: PeriodKind
    start: datetime
    end: datetime
    first_day: date

    @property
    def label(self) -> str:
        """`YYYY-MM-DD` for a week (its local Monday), `YYYY-MM` for a month."""
        if self.kind is PeriodKind.WEEKLY:
            return self.first_day.isoformat()
        return f"{self.first_day.year:04d}-{self.first_day.month:02d}"


def fixed_offset_zone(minutes: int) -> tzinfo:
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant of 00:00 local on `day` (a zone change at midnight takes the later instant)."""
    # A nonexistent local midnight (a gap) normalises forwards through UTC.
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def week_of(day: date, zone: tzinfo) -> Period:
    """The week (Monday to Monday, local) containing the local date `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(
        PeriodKind.WEEKLY,
        local_midnight(monday, zone),
        local_midnight(monday + timedelta(days=7), zone),
        monday,
    )


def month_of(day: date, zone: tzinfo) -> Period:
    first = day.replace(day=1)
    return Period(
        PeriodKind.MONTHLY,
        local_midnight(first, zone),
        local_midnight(_first_of_next_month(first), zone),
        first,
    )


def period_of(kind: PeriodKind, day: date, zone: tzinfo) -> Period:
    return week_of(day, zone) if kind is PeriodKind.WEEKLY else month_of(day, zone)


def containing(kind: PeriodKind, instant: datetime, zone: tzinfo) -> Period:
    """The period that contains `instant`."""
    return period_of(kind, instant.astimezone(zone).date(), zone)


def previous(period: Period, zone: tzinfo) -> Period:
    return containing(period.kind, period.start - timedelta(microseconds=1), zone)


def latest_closed(kind: PeriodKind, now: datetime, zone: tzinfo) -> Period:
    """The latest period that has fully ended at `now`."""
    return previous(containing(kind, now, zone), zone)


def closed_periods(kind: PeriodKind, now: datetime, zone: tzinfo, count: int) -> list[Period]:
    """The `count` latest closed periods, oldest first."""
    periods: list[Period] = []
    if count <= 0:
        return periods
    current = latest_closed(kind, now, zone)
    for _ in range(count):
        periods.append(current)
        current = previous(current, zone)
    return periods[::-1]


# Periods are computed around their year; these bounds keep every neighbour representable.
MIN_YEAR, MAX_YEAR = 1970, 9998

_WEEK_START = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")


def parse_week_start(value: str, zone: tzinfo, now: datetime, *, name: str) -> Period:
    """The week starting on the local Monday `value`; `name` is the parameter's (for errors)."""
    if not _WEEK_START.match(value):
        raise PeriodError(f"{name} must be a date YYYY-MM-DD, got {value!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodError(f"{name} {value!r} is not a valid date") from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodError(f"{name} {value} is outside the years {MIN_YEAR}..{MAX_YEAR}")
    if day.weekday() != 0:
        raise PeriodError(f"{name} {value} is a {day:%A}, not a Monday")
    return _ended(week_of(day, zone), now, "week")


def parse_month(value: str, zone: tzinfo, now: datetime, *, name: str) -> Period:
    """The month `value` (YYYY-MM); `name` is the parameter's (for errors)."""
    if not _MONTH.match(value):
        raise PeriodError(f"{name} must be YYYY-MM, got {value!r}")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12:
        raise PeriodError(f"{name} {value} is not a valid month")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"{name} {value} is outside the years {MIN_YEAR}..{MAX_YEAR}")
    return _ended(month_of(date(year, month, 1), zone), now, "month")


def _ended(period: Period, now: datetime, noun: str) -> Period:
    if period.end > now:
        raise PeriodError(f"the {noun} starting {period.label} has not ended yet")
    return period


def to_wire(instant: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def to_wire_sql(column: str) -> str:
    """SQL rendering the timestamptz `column` (a literal name) as `to_wire` does, for JSON
    that PostgreSQL builds."""
    return f"""to_char({column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def wire_end(period: Period) -> str:
    """The exclusive end minus one millisecond, as on the wire."""
    return to_wire(period.end - timedelta(milliseconds=1))


def from_wire(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def period_from_bounds(kind: PeriodKind, start: datetime, end: datetime, zone: tzinfo) -> Period:
    """Rebuild a period from its instants (as carried in a message), checking they agree."""
    period = containing(kind, start, zone)
    if period.start != start or period.end != end:
        raise PeriodError(
            f"{to_wire(start)}..{to_wire(end)} is not a {kind} period in the configured zone"
        )
    return period
