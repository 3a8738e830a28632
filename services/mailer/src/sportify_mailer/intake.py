"""The mailer's intake (SPEC 4.4, 7): a raw aio-pika consumer storing `email.requested` in batches.

Why not a FastStream subscriber: at a weekly run's volume its per-message chain (middlewares,
decoding, dependency injection, one ack per message) made storing the summaries alone take
longer than the whole run may take; consuming with aio-pika directly and acknowledging a
committed batch with ONE `ack(multiple=True)` does not (figures in bench/README.md).

The failure policy is the one of `sportify_common.consumers`, message by message:

- A body that is not JSON or not a valid `EmailRequested` is rejected without requeue at once,
  so it lands in the dead-letter queue (and never holds up its batch).
- A batch is ONE multi-row `INSERT ... ON CONFLICT (idempotency_key) DO NOTHING` and one
  commit; only after the commit is the batch acknowledged (the newest delivery tag with
  `multiple=True`: every older tag of this channel is in this batch or already settled,
  because batches are taken in delivery order by a single writer).
- A database failure rejects every message of the batch with requeue after a short pause and,
  during an outage, once the database answers again (at most `database_wait` seconds): the
  quorum queue counts the delivery, so a message that keeps failing is dead-lettered after
  MESSAGE_MAX_DELIVERIES attempts, but an outage alone does not burn them.
- The consumer has its own channel with a bounded prefetch, so at most `prefetch` messages
  are in memory. Shutdown stops consuming first, then writes and acknowledges what was
  already delivered. Redelivery is harmless: the idempotency key makes a second insert a
  no-op.
- Tracing (SPEC 14): the batch's messages are grouped by their `traceparent` header (the
  aggregator's `publish email.requested` span of their batch); each group gets a CONSUMER
  span `store email.requested` under it, and its stored ids are handed on with that span's
  context, so each `smtp send` belongs to the run's trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from uuid import UUID

from aio_pika.abc import AbstractIncomingMessage
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, StatusCode
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.amqp_direct.consume import BatchConsumer
from sportify_common.clock import Clock, utc_now
from sportify_common.db.engine import DatabaseRecovery
from sportify_common.messages import EmailRequested
from sportify_common.tracing import TRACEPARENT, context_from_headers, tracer
from sportify_mailer import queries

logger = logging.getLogger(__name__)

OnStored = Callable[[Sequence[UUID], Context], None]
"""Called with newly stored email ids and the context (store span) to send them in."""


class RequestedEmailConsumer(BatchConsumer):
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock = utc_now,
        on_stored: OnStored | None = None,
        max_batch: int = 500,
        max_wait: float = 0.02,
        failure_pause: float = 1.0,
        database_wait: float = 60.0,
    ) -> None:
        super().__init__(name="email.requested", max_batch=max_batch, max_wait=max_wait)
        self._engine = engine
        self._clock = clock
        self._on_stored = on_stored
        self._failure_pause = failure_pause
        self._recovery = DatabaseRecovery(engine, timeout=database_wait)

    async def handle_batch(self, batch: list[AbstractIncomingMessage]) -> None:
        valid: list[tuple[AbstractIncomingMessage, EmailRequested]] = []
        for message in batch:
            try:
                valid.append((message, EmailRequested.model_validate_json(message.body)))
            except ValidationError as exc:
                logger.error(
                    "dead-lettering email.requested %s: %s",
                    message.message_id,
                    exc.errors(include_url=False, include_input=False)[:3],
                )
                await self.settle(message.reject(requeue=False))
        if not valid:
            return
        spans = _store_spans([message for message, _ in valid])
        try:
            async with self._engine.begin() as conn:
                inserted = await queries.insert_requested(
                    conn, [email for _, email in valid], now=self._clock()
                )
        except Exception as exc:
            for span, _ in spans.values():
                span.record_exception(exc)
                span.set_status(StatusCode.ERROR)
                span.end()
            logger.exception(
                "storing %d requested emails failed; they go back to the queue", len(valid)
            )
            await asyncio.sleep(self._failure_pause)
            # During an outage, hold the batch until the database answers (up to
            # `database_wait`), so quick redeliveries do not use up the delivery limit.
            await self._recovery.wait()
            for message, _ in valid:
                await self.settle(message.reject(requeue=True))
            return
        for span, _ in spans.values():
            span.end()
        await self.settle(valid[-1][0].ack(multiple=True))
        if not inserted or self._on_stored is None:
            return
        if len(spans) == 1:  # the usual case, and always with tracing off
            [(_, context)] = spans.values()
            self._on_stored([email_id for email_id, _ in inserted], context)
        else:
            traceparent_of = {
                email.idempotency_key: message.headers.get(TRACEPARENT) for message, email in valid
            }
            stored: dict[object, list[UUID]] = {}
            for email_id, key in inserted:
                stored.setdefault(traceparent_of.get(key), []).append(email_id)
            for traceparent, ids in stored.items():
                self._on_stored(ids, spans[traceparent][1])


def _store_spans(
    messages: Sequence[AbstractIncomingMessage],
) -> dict[object, tuple[Span, Context]]:
    """One CONSUMER span `store email.requested` per sender's span (the messages' `traceparent`,
    usually one per batch), a child of it; and the context each stored email is sent in."""
    groups: dict[object, list[AbstractIncomingMessage]] = {}
    for message in messages:
        groups.setdefault(message.headers.get(TRACEPARENT), []).append(message)
    spans: dict[object, tuple[Span, Context]] = {}
    for traceparent, group in groups.items():
        span = tracer.start_span(
            "store email.requested",
            context=context_from_headers(group[0].headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation": "process",
                "messaging.batch.message_count": len(group),
            },
        )
        spans[traceparent] = (span, trace.set_span_in_context(span))
    return spans
