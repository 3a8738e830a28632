"""The evaluation of one period (SPEC 4.1, 4.2, 4.3): its steps, its emails, its result.

`EVALUATORS` holds, per evaluated job, the one list of steps that computes and writes the
period's results in ONE transaction (the only place that says what runs when); `evaluate`
commits them, then requests every summary email (with confirms) and returns the result.
The run around it (start, timeout, complete or fail, job.finished) is `runs`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_aggregator.mailing import SummaryRequester, emails_disabled
from sportify_aggregator.records import PeriodRun, Summary
from sportify_aggregator.sql import earned, monthly, prepare, results, weekly
from sportify_common.job_results import (
    MonthlyResult,
    WeeklyResult,
    evaluation_result,
)
from sportify_common.jobs import queries as jobs
from sportify_common.jobs.names import JobName
from sportify_common.periods import Period, to_wire, wire_end
from sportify_common.service_context import ServiceContext
from sportify_common.settings import AggregatorSettings
from sportify_common.vocabulary import MONTHLY, WEEKLY, EvaluatedPeriod

EMAIL_CHUNK = 2000

Step = Callable[[AsyncConnection, PeriodRun], Awaitable[None]]


Runtime = ServiceContext[AggregatorSettings]
"""The app-lifetime resources a run needs: the service context built in `app.create_app`."""


@dataclass(frozen=True, slots=True)
class Evaluator:
    """An evaluated period (its job, email kind and wire keys) and the steps that compute it."""

    period: EvaluatedPeriod
    steps: tuple[Step, ...]

    def default_challenge(self, settings: AggregatorSettings) -> float:
        if self.period is WEEKLY:
            return settings.default_weekly_point_challenge
        return settings.default_monthly_point_challenge


# The whole results phase of each period, in order, in one transaction: the only place that
# says what runs when.
EVALUATORS: dict[JobName, Evaluator] = {
    WEEKLY.job: Evaluator(
        WEEKLY,
        (
            prepare.tune_session,
            prepare.create_processed_users,
            prepare.create_friend_edges,
            prepare.create_weekly_stats,
            prepare.create_earned_tables,
            weekly.create_week,
            earned.earn_week,
            results.take_period_rows,
            weekly.write_week,
            earned.write_badges_and_awards,
        ),
    ),
    MONTHLY.job: Evaluator(
        MONTHLY,
        (
            prepare.tune_session,
            prepare.create_processed_users,
            prepare.create_friend_edges,
            prepare.create_monthly_stats,
            prepare.create_earned_tables,
            monthly.create_global_ranks,
            monthly.create_month,
            earned.earn_month,
            results.take_period_rows,
            monthly.write_month,
            earned.write_badges_and_awards,
        ),
    ),
}


async def evaluate(
    rt: Runtime,
    evaluator: Evaluator,
    period: Period,
    run_id: UUID,
    *,
    timings: dict[str, float] | None = None,
    send_emails: bool = True,
) -> WeeklyResult | MonthlyResult:
    """Write the period's results (one transaction), request the emails, return the result.

    `send_emails` False (the run's `metadata.sendEmails`, a backfill's default): no summary is
    requested; every user's entry is skipped with reason `emails-disabled`.

    `timings` (when given) receives `resultsSeconds` (results computed and committed) and
    `emailsSeconds` (every summary requested); they go to the run's metadata, not its result.
    """
    timings = timings if timings is not None else {}
    now = rt.clock()
    began = time.monotonic()
    async with rt.engine.begin() as conn:
        await open_cancellable(rt, conn, run_id)
        processed = await compute_results(
            conn,
            rt.settings,
            evaluator,
            period,
            run_id,
            now,
            between_steps=lambda: raise_if_cancelled(conn, run_id),
        )
    committed = time.monotonic()
    timings["resultsSeconds"] = round(committed - began, 3)
    batches = _until_cancelled(
        rt, run_id, results.summary_batches(rt.engine, period, size=EMAIL_CHUNK)
    )
    if send_emails:
        requester = SummaryRequester(rt.engine, rt.broker, rt.topology, rt.settings)
        tally = await requester.request_all(period, batches, now=now)
    else:
        tally = await emails_disabled(
            batches, limit=rt.settings.events_response_email_results_limit
        )
    timings["emailsSeconds"] = round(time.monotonic() - committed, 3)
    return evaluation_result(
        evaluator.period,
        job_run_id=run_id,
        processed_users=processed,
        start=to_wire(period.start),
        end=wire_end(period),
        email_summary=tally.summary(),
        email_results=tally.email_results(),
    )


async def compute_results(
    conn: AsyncConnection,
    settings: AggregatorSettings,
    evaluator: Evaluator,
    period: Period,
    run_id: UUID,
    now: datetime,
    *,
    between_steps: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Run the evaluator's steps in the caller's transaction. Returns the processed users.

    `between_steps` (when given) is awaited before each step: the cancel check."""
    run = await period_run(conn, settings, evaluator, period, run_id, now)
    await run_steps(conn, run, evaluator.steps, between_steps=between_steps)
    return await prepare.processed_count(conn)


async def period_run(
    conn: AsyncConnection,
    settings: AggregatorSettings,
    evaluator: Evaluator,
    period: Period,
    run_id: UUID,
    now: datetime,
) -> PeriodRun:
    """What every step reads, with the period's challenge target."""
    challenge: Decimal = await prepare.challenge_target(
        conn,
        kind=period.kind.value,
        first_day=period.first_day,
        default=evaluator.default_challenge(settings),
    )
    return PeriodRun(period, challenge, run_id, now)


async def run_steps(
    conn: AsyncConnection,
    run: PeriodRun,
    steps: tuple[Step, ...],
    *,
    between_steps: Callable[[], Awaitable[None]] | None = None,
) -> None:
    for step in steps:
        if between_steps is not None:
            await between_steps()
        await step(conn, run)


# --- cancel (SPEC 12.5) ------------------------------------------------------------------


class RunCancelledError(Exception):
    """An operator cancelled the run (`metadata.cancelRequested`); `runs` fails it as
    `cancelled`, without an alert."""


async def open_cancellable(rt: Runtime, conn: AsyncConnection, run_id: UUID) -> None:
    """Make the results transaction cancellable from the monitor: name it after the run
    (SET LOCAL application_name, which ends with the transaction) and note its backend pid
    in the run's metadata (committed at once, on a connection of its own)."""
    name = jobs.results_application_name(run_id)
    await conn.execute(text("select set_config('application_name', :name, true)"), {"name": name})
    pid = int((await conn.execute(text("select pg_backend_pid()"))).scalar_one())
    async with rt.engine.begin() as other:
        await jobs.note_results_backend(other, run_id, pid=pid)


async def raise_if_cancelled(conn: AsyncConnection, run_id: UUID) -> None:
    if await jobs.cancel_requested(conn, run_id):
        raise RunCancelledError(f"run {run_id} was cancelled")


async def _until_cancelled(
    rt: Runtime, run_id: UUID, batches: AsyncIterator[list[Summary]]
) -> AsyncIterator[list[Summary]]:
    """The summary batches, stopping (RunCancelledError) before the next batch once the run is
    marked cancelled: the results are committed and stay, the summaries already requested
    stay requested, no further one is."""
    async for batch in batches:
        async with rt.engine.connect() as conn:
            await raise_if_cancelled(conn, run_id)
        yield batch
