"""Local weeks and days of a period as UTC instants, for bucketing workouts in SQL. Pure.

`width_bucket(start_time, bounds)` then names the local week or day a workout falls in, so
the SQL needs no zone name and stays right across a daylight-saving change (a local day is
23 or 25 hours long there).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sportify_common.periods import Period, local_midnight

STREAK_MAX_WEEKS = 52
"""A streak looks back at most this many weeks, this one included (SPEC 4.3)."""


def streak_week_bounds(week: Period, zone: tzinfo, weeks: int = STREAK_MAX_WEEKS) -> list[datetime]:
    """The starts of the `weeks` local weeks ending with `week`, oldest first, then its end:
    bucket `weeks` is `week` itself."""
    mondays = [week.first_day - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    return [*(local_midnight(monday, zone) for monday in mondays), week.end]


def day_bounds(period: Period, zone: tzinfo) -> list[datetime]:
    """The local midnights of every day of `period`, then its end: one bucket per local day."""
    days = []
    day = period.first_day
    while (start := local_midnight(day, zone)) < period.end:
        days.append(start)
        day += timedelta(days=1)
    return [*days, period.end]
