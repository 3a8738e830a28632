"""A completed run records how long its phases took, in its metadata only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import insert_user, insert_workout

pytestmark = pytest.mark.integration


async def test_completed_run_records_phase_timings_in_metadata_not_in_result(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(date(2026, 3, 9), settings.zone)
    user = await insert_user(engine)
    await insert_workout(engine, user, period.start + timedelta(days=1), [("yoga", 1, 10)])

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)
    async with engine.connect() as conn:
        metadata = (await conn.execute(text("select metadata from job_runs"))).scalar_one()

    timings = metadata["timings"]
    assert set(timings) == {"resultsSeconds", "emailsSeconds", "totalSeconds"}
    assert all(isinstance(v, float) and v >= 0 for v in timings.values())
    phases = timings["resultsSeconds"] + timings["emailsSeconds"]
    assert timings["totalSeconds"] >= phases - 0.002  # each rounded to the millisecond
    assert "timings" not in finished["result"]
    assert "timings" not in metadata["result"]
