"""streak_weeks, monthly workouts_count and active_days: the SQL against plain Python.

The oracle reads the same workouts as local dates in Europe/Berlin; the worlds put workouts
on both sides of local midnights and around the daylight-saving changes (end of March, end
of October), where a local day lasts 23 or 25 hours and a week 167 or 169.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.evaluation import EVALUATORS
from sportify_aggregator.local_bounds import STREAK_MAX_WEEKS
from sportify_aggregator.records import PeriodRun
from sportify_common.jobs.names import JobName
from sportify_common.periods import Period, local_midnight, month_of, week_of
from tests.support.factories import LONG_AGO

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
# Weeks and months that hold a change: 29 March 2026 (CET -> CEST), 25 October 2026 (back).
WEEKS = [week_of(date(2026, 3, 23), BERLIN), week_of(date(2026, 10, 19), BERLIN),
         week_of(date(2026, 3, 30), BERLIN), week_of(date(2026, 10, 26), BERLIN)]  # fmt: skip
MONTHS = [month_of(date(2026, 3, 1), BERLIN), month_of(date(2026, 10, 1), BERLIN)]


def local_day(instant: datetime) -> date:
    return instant.astimezone(BERLIN).date()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def streak_oracle(week: Period, workouts: list[datetime]) -> int:
    weeks = {monday(local_day(w)) for w in workouts if w < week.end}
    streak = 0
    while streak < STREAK_MAX_WEEKS and week.first_day - timedelta(weeks=streak) in weeks:
        streak += 1
    return streak


def month_oracle(month: Period, workouts: list[datetime]) -> tuple[int, int]:
    inside = [w for w in workouts if month.start <= w < month.end]
    return len(inside), len({local_day(w) for w in inside})


@st.composite
def user_workouts(draw: st.DrawFn, week: Period) -> list[datetime]:
    """A run of weeks ending at `week` (maybe longer than 52, maybe broken by a gap) with
    workouts at local-midnight edges or anywhere in their week, and a few stray ones."""
    weeks = draw(st.integers(min_value=0, max_value=STREAK_MAX_WEEKS + 3))
    gap = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(weeks - 1, 0))))
    instants = []
    for back in range(weeks):
        if back == gap:
            continue
        first = week.first_day - timedelta(weeks=back)
        day = first + timedelta(days=draw(st.integers(0, 6)))
        midnight = local_midnight(day, BERLIN)
        offset = draw(
            st.sampled_from([timedelta(0), timedelta(seconds=-1), timedelta(hours=23, minutes=59)])
            | st.integers(0, 24 * 3600 - 1).map(lambda s: timedelta(seconds=s))
        )
        instants.append(midnight + offset)
    strays = draw(st.lists(st.integers(-70 * 24, 40 * 24), max_size=4))
    instants += [week.start + timedelta(hours=h) for h in strays]
    return instants


async def insert_users(conn: AsyncConnection, workouts: list[list[datetime]]) -> list[UUID]:
    ids = [uuid4() for _ in workouts]
    await conn.execute(
        text(
            "insert into users (id, email, display_name, created_at) "
            "values (:id, null, 'x', :created)"
        ),
        [{"id": user, "created": LONG_AGO} for user in ids],
    )
    rows = [
        {"id": uuid4(), "u": user, "t": instant}
        for user, instants in zip(ids, workouts, strict=True)
        for instant in instants
    ]
    if rows:  # a workout without activities counts as one (SPEC 4.1)
        await conn.execute(
            text("insert into workouts (id, user_id, start_time) values (:id, :u, :t)"), rows
        )
    return ids


async def evaluate(conn: AsyncConnection, period: Period, job: JobName) -> None:
    run = PeriodRun(period, Decimal(10), uuid4(), datetime(2027, 1, 1, tzinfo=UTC), BERLIN)
    for step in EVALUATORS[job].steps:
        await step(conn, run)


CHECKS = hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@CHECKS
@given(data=st.data(), week=st.sampled_from(WEEKS))
async def test_streak_weeks_agree_with_the_oracle_across_daylight_saving_changes(
    data: st.DataObject, week: Period, engine: AsyncEngine
) -> None:
    workouts = data.draw(st.lists(user_workouts(week), min_size=1, max_size=5))
    async with engine.connect() as conn, conn.begin() as tx:
        ids = await insert_users(conn, workouts)
        await evaluate(conn, week, JobName.WEEKLY_EVENTS)
        rows = await conn.execute(text("select user_id, streak_weeks from weekly_results"))
        streaks = {r[0]: r[1] for r in rows}
        await tx.rollback()

    assert streaks == {
        user: streak_oracle(week, instants) for user, instants in zip(ids, workouts, strict=True)
    }


@CHECKS
@given(data=st.data(), month=st.sampled_from(MONTHS))
async def test_monthly_workouts_and_active_days_agree_with_the_oracle(
    data: st.DataObject, month: Period, engine: AsyncEngine
) -> None:
    last_week = week_of(month.first_day + timedelta(days=27), BERLIN)
    workouts = data.draw(st.lists(user_workouts(last_week), min_size=1, max_size=5))
    async with engine.connect() as conn, conn.begin() as tx:
        ids = await insert_users(conn, workouts)
        await evaluate(conn, month, JobName.MONTHLY_EVENTS)
        rows = await conn.execute(
            text("select user_id, workouts_count, active_days from monthly_results")
        )
        figures = {r[0]: (r[1], r[2]) for r in rows}
        await tx.rollback()

    assert figures == {
        user: month_oracle(month, instants) for user, instants in zip(ids, workouts, strict=True)
    }


async def test_a_workout_on_the_long_night_of_october_counts_one_local_day(
    engine: AsyncEngine,
) -> None:
    """25 October 2026 lasts 25 hours in Berlin: 00:30 and 23:30 local are one day."""
    month = MONTHS[1]
    day = local_midnight(date(2026, 10, 25), BERLIN)
    workouts = [[day + timedelta(minutes=30), day + timedelta(hours=24, minutes=30)]]
    async with engine.connect() as conn, conn.begin() as tx:
        await insert_users(conn, workouts)
        await evaluate(conn, month, JobName.MONTHLY_EVENTS)
        row = (
            await conn.execute(text("select workouts_count, active_days from monthly_results"))
        ).one()
        await tx.rollback()

    assert local_day(workouts[0][1]) == date(2026, 10, 25)
    assert tuple(row) == (2, 1)
