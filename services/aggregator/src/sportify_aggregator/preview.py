"""A preview (SPEC 12.3): one user's results and summary email of one period, written nowhere.

The run's own steps (`evaluation.EVALUATORS`), on shadow tables (`sql.shadow`) in a transaction
that is rolled back. A week needs only the user and their friends. A month's global ranks
need everyone: the circle's ranks among everyone are computed over the real inputs first (one
aggregation of the month's ranked values), then the rest of the month's steps over the circle.
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
from sportify_aggregator.mailing import SummaryRequester, with_clean_name
from sportify_aggregator.records import Summary
from sportify_aggregator.sql import monthly, prepare, preview_reads, results, shadow
from sportify_common.email_preferences import opted_out_users
from sportify_common.email_queue_reads import suppressed_addresses
from sportify_common.messages import PreviewAnswer, PreviewRequested
from sportify_common.periods import Period, PeriodError, PeriodKind, period_from_bounds, to_wire
from sportify_common.settings import AggregatorSettings
from sportify_common.vocabulary import ADDRESS_SUPPRESSED, EVALUATED_PERIODS, KIND_OPTED_OUT

logger = logging.getLogger("sportify.aggregator.preview")

# A month's global ranks of the circle among everyone, over the real inputs (in place of the
# run's `monthly.create_global_ranks`, which ranks everyone).
_CIRCLE_GLOBAL_RANKING = (prepare.tune_session, monthly.create_circle_global_ranks)
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
        # Asked of the real tables: the shadows hold only the circle's earlier results.
        stored = await results.previous_stored(conn, period, rt.settings.zone)
        steps = evaluator.steps
        await shadow.create_circle(conn, user_id)
        if period.kind is PeriodKind.MONTHLY:
            await run_steps(conn, run, _CIRCLE_GLOBAL_RANKING)
            steps = tuple(step for step in steps if step is not monthly.create_global_ranks)
        await shadow.shadow_outputs(conn, period.start)
        await shadow.shadow_inputs(conn, user_id, period.start, period.end)
        await shadow.assert_shadowed(conn, shadow.INPUT_TABLES + shadow.OUTPUT_TABLES)
        await run_steps(conn, run, steps)
        row = await preview_reads.user_result_row(conn, period, user_id)
        summary = await preview_reads.user_summary(
            conn, period, user_id, zone=rt.settings.zone, stored=stored
        )
        skip = None if summary is None else await _list_skip(conn, summary, period, now)
    if row is None or summary is None:
        return _error("not-found", f"user {user_id} has no results for {period.label}")
    return PreviewAnswer(
        status="ok",
        result=_camel_row(row),
        email=_email(rt, summary, period, now, skip=skip),
    )


@asynccontextmanager
async def _rolled_back(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


async def _list_skip(
    conn: AsyncConnection, summary: Summary, period: Period, now: datetime
) -> str | None:
    """Why the run would skip the user by its lists: the kind opted out, the address
    suppressed (an email already queued for the period is not looked at)."""
    kind = EVALUATED_PERIODS[period.kind].email_kind
    user_id = summary.recipient.user_id
    if await opted_out_users(conn, [user_id], kind=kind):
        return KIND_OPTED_OUT
    if await suppressed_addresses(conn, {summaries.address_of(summary.recipient)}, now=now):
        return ADDRESS_SUPPRESSED
    return None


def _email(
    rt: Runtime, summary: Summary, period: Period, now: datetime, *, skip: str | None
) -> dict[str, Any]:
    """The summary email as the run would render it, and whether (and why) the run would
    skip it."""
    requester = SummaryRequester(rt.engine, rt.broker, rt.topology, rt.settings)
    kind = EVALUATED_PERIODS[period.kind].email_kind
    url, headers = requester.links(summary, kind, now)
    fields = summaries.rendered_fields(
        with_clean_name(summary), period, rt.settings.button_base_url, url, headers
    )
    reason = summaries.skip_reason(summary.recipient) or skip
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
