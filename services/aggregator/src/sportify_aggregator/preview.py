"""A preview (SPEC 12.3): one user's results and summary email of one period, written nowhere.

The run's own steps (`evaluation.EVALUATORS`), on shadow tables (`sql.shadow`) in a transaction
that is rolled back. A week needs only the user and their friends. A month's global ranks
need everyone: the run's statistics and global-rank steps go over the real inputs first (the
cost of one aggregation of the month), then the rest of the month's steps over the user's circle.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from sportify_aggregator import summaries
from sportify_aggregator.evaluation import EVALUATORS, Evaluator, Runtime, period_run, run_steps
from sportify_aggregator.mailing import SummaryRequester
from sportify_aggregator.records import Summary
from sportify_aggregator.sql import monthly, prepare, results, shadow
from sportify_common.email_queue_reads import suppressed_addresses
from sportify_common.messages import PreviewAnswer, PreviewRequested
from sportify_common.periods import Period, PeriodError, PeriodKind, period_from_bounds, to_wire
from sportify_common.settings import AggregatorSettings
from sportify_common.vocabulary import ADDRESS_SUPPRESSED, EVALUATED_PERIODS

logger = logging.getLogger("sportify.aggregator.preview")

# A month's global ranks among everyone: the run's own steps, over the real inputs.
_GLOBAL_RANKING = (
    prepare.tune_session,
    prepare.create_processed_users,
    prepare.create_monthly_stats,
    monthly.create_global_ranks,
)
# What those steps leave besides `agg_global`, dropped before the circle's turn.
_GLOBAL_RANKING_TABLES = ("agg_users", "agg_excluded", "agg_stats")
# Bookkeeping columns of a results row that belong to the run, not to the result.
_RUN_COLUMNS = frozenset({"job_run_id", "created_at", "updated_at"})

_NOT_PROCESSED = {
    "unknown": "there is no user {user}",
    "deleted": "user {user} is deleted, so has no results",
    "created-after-period": "user {user} was created after the {noun} ended, so has no results",
}


def preview_engine(settings: AggregatorSettings) -> AsyncEngine:
    """A connection per preview, without a statement cache: a statement prepared before the
    shadow tables existed would keep reading (and writing) the real tables (`sql.shadow`)."""
    return create_async_engine(
        settings.async_database_url,
        poolclass=NullPool,
        connect_args={"prepared_statement_cache_size": 0, "statement_cache_size": 0},
    )


async def preview(rt: Runtime, engine: AsyncEngine, request: PreviewRequested) -> PreviewAnswer:
    """The answer to one preview request; every failure is an error answer (the caller is
    waiting for a reply), never raised."""
    evaluator = EVALUATORS.get(request.job_name)
    if evaluator is None:
        return _error("bad-request", f"{request.job_name} is not an evaluation")
    try:
        period = period_from_bounds(
            evaluator.period.kind, request.period_start, request.period_end, rt.settings.zone
        )
    except PeriodError as exc:
        return _error("bad-request", str(exc))
    try:
        return await _preview(rt, engine, evaluator, period, request.user_id)
    except Exception:
        logger.exception("preview of %s for user %s failed", period.label, request.user_id)
        return _error("preview-failed", "the preview failed in the aggregator; see its log")


async def _preview(
    rt: Runtime, engine: AsyncEngine, evaluator: Evaluator, period: Period, user_id: UUID
) -> PreviewAnswer:
    now = rt.clock()
    async with _rolled_back(engine) as conn:
        state = await shadow.user_state(conn, user_id, period.end)
        if state is not None:
            noun = "week" if period.kind is PeriodKind.WEEKLY else "month"
            return _error("not-found", _NOT_PROCESSED[state].format(user=user_id, noun=noun))
        run = await period_run(conn, rt.settings, evaluator, period, uuid4(), now)
        steps = evaluator.steps
        if period.kind is PeriodKind.MONTHLY:
            await run_steps(conn, run, _GLOBAL_RANKING)
            await shadow.drop_run_tables(conn, _GLOBAL_RANKING_TABLES)
            steps = tuple(step for step in steps if step is not monthly.create_global_ranks)
        await shadow.create_circle(conn, user_id)
        await shadow.shadow_outputs(conn, period.start)
        await shadow.shadow_inputs(conn, user_id, period.start, period.end)
        await shadow.assert_shadowed(conn, shadow.INPUT_TABLES + shadow.OUTPUT_TABLES)
        await run_steps(conn, run, steps)
        row = await results.user_result_row(conn, period, user_id)
        summary = await results.user_summary(conn, period, user_id)
        suppressed = bool(
            summary is not None
            and await suppressed_addresses(conn, {summaries.address_of(summary.recipient)}, now=now)
        )
    if row is None or summary is None:
        return _error("not-found", f"user {user_id} has no results for {period.label}")
    return PreviewAnswer(
        status="ok",
        result=_camel_row(row),
        email=_email(rt, summary, period, now, suppressed=suppressed),
    )


@asynccontextmanager
async def _rolled_back(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


def _email(
    rt: Runtime, summary: Summary, period: Period, now: datetime, *, suppressed: bool
) -> dict[str, Any]:
    """The summary email as the run would render it, and whether (and why) the run would skip
    it; an email already queued for the period is not looked at (the run would skip it then)."""
    requester = SummaryRequester(rt.engine, rt.broker, rt.topology, rt.settings)
    url, headers = requester.links(summary, now)
    fields = summaries.rendered_fields(summary, period, rt.settings.base_url, url, headers)
    reason = summaries.skip_reason(summary.recipient)
    if reason is None and suppressed:
        reason = ADDRESS_SUPPRESSED
    return {
        "kind": EVALUATED_PERIODS[period.kind].email_kind.value,
        "recipient": summaries.address_of(summary.recipient) or None,
        "skipReason": reason,
        "locale": fields["locale"],
        "subject": fields["subject"],
        "bodyText": fields["body_text"],
        "bodyHtml": fields["body_html"],
        "headers": fields["headers"],
    }


def _camel_row(row: Any) -> dict[str, Any]:
    return {
        to_camel(key): _json_value(value) for key, value in row.items() if key not in _RUN_COLUMNS
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return to_wire(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _error(code: str, message: str) -> PreviewAnswer:
    return PreviewAnswer(status="error", code=code, message=message)
