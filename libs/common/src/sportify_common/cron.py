"""Five-field cron expressions evaluated in local wall-clock time (SPEC 4.6). Pure.

Fields: minute hour day-of-month month day-of-week, each `*`, a number, a range `a-b`,
a step `*/n` or `a-b/n` or `a/n`, or a comma list of those. Months and weekdays also take
three-letter English names (`jan`, `mon`). Sunday is 0 or 7. As in Vixie cron, when both
day-of-month and day-of-week are restricted (neither starts with `*`) a day matches when
EITHER matches; otherwise both must.

Daylight saving: a local time that does not exist (spring-forward gap) fires once, at the
first instant after the gap; a local time that occurs twice (fall-back) fires once, at
its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Feb 29 exists once in 4 years (8 around a skipped century leap year).
_SEARCH_DAYS = 366 * 9


class CronError(ValueError):
    """A cron expression is malformed or can never fire."""


@dataclass(frozen=True, slots=True)
class CronExpr:
    source: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday
    days_restricted: bool
    weekdays_restricted: bool

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    names_start: int = 0


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTH_NAMES, 1)
_WEEKDAY = _Field("day-of-week", 0, 7, _DAY_NAMES, 0)


def _number(text: str, spec: _Field) -> int:
    lowered = text.lower()
    if lowered in spec.names:
        return spec.names.index(lowered) + spec.names_start
    if not text.isdigit():
        raise CronError(f"{spec.name}: {text!r} is not a number")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise CronError(f"{spec.name}: {value} is outside {spec.low}-{spec.high}")
    return value


def _part(text: str, spec: _Field) -> set[int]:
    base, slash, step_text = text.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronError(f"{spec.name}: step {step_text!r} must be a positive number")
        step = int(step_text)
    if base == "*":
        low, high = spec.low, spec.high
    elif "-" in base:
        first, _, last = base.partition("-")
        low, high = _number(first, spec), _number(last, spec)
        if low > high:
            raise CronError(f"{spec.name}: range {base!r} runs backwards")
    else:
        low = _number(base, spec)
        high = spec.high if slash else low
    return set(range(low, high + 1, step))


def _field(text: str, spec: _Field) -> set[int]:
    if not text:
        raise CronError(f"{spec.name}: empty field")
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{spec.name}: empty list item in {text!r}")
        values |= _part(part, spec)
    return values


def parse_cron(expression: str) -> CronExpr:
    """Parse `minute hour day-of-month month day-of-week`; raises CronError."""
    fields = expression.split()
    if len(fields) != 5:
        raise CronError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    weekdays = {d % 7 for d in _field(weekday, _WEEKDAY)}
    cron = CronExpr(
        source=" ".join(fields),
        minutes=tuple(sorted(_field(minute, _MINUTE))),
        hours=tuple(sorted(_field(hour, _HOUR))),
        days=frozenset(_field(day, _DAY)),
        months=frozenset(_field(month, _MONTH)),
        weekdays=frozenset(weekdays),
        days_restricted=not day.startswith("*"),
        weekdays_restricted=not weekday.startswith("*"),
    )
    if not _can_fire(cron):
        raise CronError(f"{expression!r} never fires (no such day of the month)")
    return cron


def _can_fire(cron: CronExpr) -> bool:
    if cron.weekdays_restricted and not cron.days_restricted:
        return True  # every weekday occurs in every month
    longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30}
    return any(d <= longest.get(m, 31) for m in cron.months for d in cron.days) or (
        cron.days_restricted and cron.weekdays_restricted
    )


def local_instant(day: date, hour: int, minute: int, zone: tzinfo) -> datetime:
    """The UTC instant of the wall-clock time; see the module docstring for DST."""
    naive = datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - wall time
    first = naive.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    return _end_of_gap(naive, zone)


def _end_of_gap(naive: datetime, zone: tzinfo) -> datetime:
    """The transition instant that skipped over `naive` (the first local time after the gap)."""
    before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)  # post-gap offset: earlier
    after = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)  # pre-gap offset: later
    target = after.astimezone(zone).utcoffset()
    low, high = before, after  # offset(low) != target, offset(high) == target
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            middle = low + timedelta(seconds=1)
        if middle.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high


def next_fire(cron: CronExpr | str, after: datetime, zone: tzinfo) -> datetime:
    """The first fire strictly after `after` (aware), as a UTC instant."""
    expr = parse_cron(cron) if isinstance(cron, str) else cron
    local = after.astimezone(zone)
    # Resolution is monotonic in wall time, so wall times before `local`'s fire no later.
    earliest = (local.hour, local.minute)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if not expr.matches_day(day):
            continue
        for hour in expr.hours:
            if offset == 0 and hour < earliest[0]:
                continue
            for minute in expr.minutes:
                if offset == 0 and (hour, minute) < earliest:
                    continue
                instant = local_instant(day, hour, minute, zone)
                if instant > after:
                    return instant
    raise CronError(f"{expr.source!r} does not fire within {_SEARCH_DAYS} days of {after}")


def next_fires(cron: CronExpr | str, after: datetime, zone: tzinfo, count: int) -> list[datetime]:
    """The next `count` fires strictly after `after`, in order (what `next_fire` gives in turn)."""
    expr = parse_cron(cron) if isinstance(cron, str) else cron
    fires: list[datetime] = []
    instant = after
    for _ in range(count):
        instant = next_fire(expr, instant, zone)
        fires.append(instant)
    return fires
