from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName, JobStatus, Trigger
from sportify_common.jobs.rules import ClaimOutcome

NOW = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)
SLOT = datetime(2026, 11, 30, tzinfo=UTC)


async def _claim(engine: AsyncEngine, *, force: bool = False, now: datetime = NOW) -> jobs.Claim:
    async with engine.begin() as conn:
        return await jobs.claim(
            conn,
            job_name=JobName.WEEKLY_EVENTS,
            scheduled_for=SLOT,
            trigger=Trigger.HTTP,
            force=force,
            now=now,
        )


async def test_twenty_concurrent_claims_make_exactly_one_run(engine: AsyncEngine) -> None:
    claims = await asyncio.gather(*(_claim(engine) for _ in range(20)))

    outcomes = [c.outcome for c in claims]
    assert outcomes.count(ClaimOutcome.NEW) == 1
    assert outcomes.count(ClaimOutcome.SKIP_RUNNING) == 19
    assert len({c.run.id for c in claims}) == 1


async def test_a_failed_run_is_rerun_on_the_same_row_with_the_next_attempt(
    engine: AsyncEngine,
) -> None:
    first = await _claim(engine)
    async with engine.begin() as conn:
        await jobs.start(conn, first.run.id, now=NOW)
        await jobs.fail(conn, first.run.id, now=NOW, error_type="boom", message="it broke")

    again = await _claim(engine, now=NOW + timedelta(minutes=1))

    assert again.outcome is ClaimOutcome.RERUN
    assert again.run.id == first.run.id
    assert again.run.status is JobStatus.PENDING
    assert again.run.metadata["attempt"] == 2
    assert "error" not in again.run.metadata


async def test_a_completed_run_is_skipped_unless_forced(engine: AsyncEngine) -> None:
    first = await _claim(engine)
    async with engine.begin() as conn:
        await jobs.start(conn, first.run.id, now=NOW)
        await jobs.complete(conn, first.run.id, now=NOW, result={"processedUsers": 3})

    skipped = await _claim(engine)
    forced = await _claim(engine, force=True)

    assert skipped.outcome is ClaimOutcome.SKIP_COMPLETED
    assert forced.outcome is ClaimOutcome.RERUN
    assert forced.run.metadata["forced"] is True


async def test_a_redelivered_start_counts_a_new_attempt(engine: AsyncEngine) -> None:
    claim = await _claim(engine)
    async with engine.begin() as conn:
        first = await jobs.start(conn, claim.run.id, now=NOW)
        second = await jobs.start(conn, claim.run.id, now=NOW + timedelta(seconds=5))

    assert first is not None
    assert second is not None
    assert (first.metadata["attempt"], second.metadata["attempt"]) == (1, 2)
    assert second.started_at == first.started_at


async def test_a_finished_run_cannot_be_started_or_failed_again(engine: AsyncEngine) -> None:
    claim = await _claim(engine)
    async with engine.begin() as conn:
        await jobs.start(conn, claim.run.id, now=NOW)
        await jobs.complete(conn, claim.run.id, now=NOW, result={})

        assert await jobs.start(conn, claim.run.id, now=NOW) is None
        assert await jobs.fail(conn, claim.run.id, now=NOW, error_type="x", message="y") is None
