"""Left running, the system evaluates a week by itself when its time comes: the scheduler,
aggregator and mailer apps together (as under `sportify dev`), with the scheduler's clock
moved to just before Monday 00:05 in Europe/Berlin."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.app import create_app as create_aggregator
from sportify_common.clock import Clock, utc_now
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings, load_settings
from sportify_mailer.app import create_app as create_mailer
from sportify_scheduler.app import create_app as create_scheduler
from tests.support.factories import insert_user, insert_workout
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.e2e


def moving_clock(start: datetime) -> Clock:
    """A clock that starts at `start` and runs at real speed."""
    began = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    return clock


async def test_the_week_is_evaluated_and_mailed_at_monday_0005_local_without_a_trigger(
    settings: Settings, engine: AsyncEngine, sink: SmtpSink
) -> None:
    settings = load_settings(
        **{
            **settings.model_dump(),
            "events_timezone": "Europe/Berlin",
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "scheduler_catch_up_periods": 0,
        }
    )
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    athlete = await insert_user(engine, email="athlete@example.test")
    await insert_workout(engine, athlete, week.start + timedelta(days=2), [("situps", 40, 40)])
    # The scheduler believes it is Monday 00:04:57 local, three seconds before the weekly slot.
    clock = moving_clock(week.end + timedelta(minutes=4, seconds=57))

    async with AsyncExitStack() as stack:
        for app in (
            create_aggregator(settings),
            create_mailer(settings),
            create_scheduler(settings, clock=clock),
        ):
            await stack.enter_async_context(LifespanManager(app, startup_timeout=30))
        deadline = time.monotonic() + 30
        while True:
            async with engine.connect() as conn:
                run = (
                    await conn.execute(
                        text(
                            "select status, metadata from job_runs "
                            "where job_name = 'weekly-events' and scheduled_for = :end"
                        ),
                        {"end": week.end},
                    )
                ).first()
            if run is not None and run.status == "completed":
                break
            assert time.monotonic() < deadline, f"no completed weekly run; last seen {run}"
            await asyncio.sleep(0.2)
        (email,) = await sink.wait_for(1)

    assert run.metadata["trigger"] == "cron"
    assert run.metadata["processedUsers"] == 1
    assert str(email["To"]) == "athlete@example.test"
