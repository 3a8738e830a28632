"""Preview and test send (SPEC 12.3): the monitor asks the aggregator (request/reply over
RabbitMQ, `preview.requested`) and, for a test send, requests the email from the mailer.

The aggregator computes the preview with the run's own statements and templates and writes
nothing (`sportify_aggregator.preview`); the monitor only validates, relays and, for a test
send, publishes an `email.requested` of kind `test` (its own idempotency key, so never
deduplicated against the real summary) and writes the audit row. API, CLI and console call
these functions.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final
from uuid import UUID, uuid4

from faststream.rabbit import Channel
from pydantic import ValidationError

from sportify_common import audit
from sportify_common.broker import publish
from sportify_common.emails.headers import safe_header_value
from sportify_common.messages import EmailRequested, PreviewAnswer, PreviewRequested, RoutingKey
from sportify_common.periods import Period, PeriodKind
from sportify_common.vocabulary import EVALUATED_PERIODS, EmailKind
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError, bad_request
from sportify_monitor.mail_operations import Operator

logger = logging.getLogger("sportify.monitor.preview")

# As long as the aggregator keeps a request (its queue's message TTL): a monthly preview on
# a large database takes a few seconds, a weekly one milliseconds.
PREVIEW_WAIT_SECONDS: Final = 30.0
TEST_SUBJECT_PREFIX: Final = "[TEST] "
_ACTION: Final = "preview.send-test"
# One-click unsubscribe headers would unsubscribe the previewed user, not the tester.
_DROPPED_HEADERS: Final = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
_ADDRESS_MAX: Final = 320
_STATUS_OF: Final = {"not-found": 404, "bad-request": 400}
# A channel of its own for the passive declare below: a failed one closes its channel.
_PROBE_CHANNEL: Final = Channel(publisher_confirms=False)
_PROBE_SECONDS: Final = 2.0


async def preview(
    monitor: Monitor, kind: PeriodKind, user_id: UUID, period: Period
) -> dict[str, Any]:
    """`{"status": "ok", "result", "email"}` for one user and one closed period."""
    answer = await _ask_aggregator(monitor, kind, user_id, period)
    return {"status": "ok", "result": answer.result, "email": answer.email}


async def send_test(
    monitor: Monitor,
    kind: PeriodKind,
    user_id: UUID,
    period: Period,
    *,
    to: str,
    operator: Operator,
) -> dict[str, Any]:
    """Send the previewed email to `to` with `[TEST] ` before its subject (kind `test`)."""
    address = _test_address(to)
    answer = await _ask_aggregator(monitor, kind, user_id, period)
    email = answer.email or {}
    key = f"test:{uuid4()}"
    message = EmailRequested(
        idempotency_key=key,
        kind=EmailKind.TEST,
        recipient=address,
        user_id=user_id,
        locale=email.get("locale", "de"),
        subject=safe_header_value(TEST_SUBJECT_PREFIX + str(email.get("subject", ""))),
        body_text=str(email.get("bodyText", "")),
        body_html=str(email.get("bodyHtml", "")),
        headers={
            name: value
            for name, value in (email.get("headers") or {}).items()
            if name.lower() not in _DROPPED_HEADERS
        },
    )
    job = EVALUATED_PERIODS[kind].job
    async with monitor.engine.begin() as conn:
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=_ACTION,
            target=f"{job}:{period.label}:{user_id}",
            reason=operator.reason,
            details={"to": address, "idempotencyKey": key},
            now=monitor.clock(),
        )
    # After the audit row: a test send that is recorded but not published is visible and
    # harmless; one published but not recorded would not be.
    await publish(monitor.broker, monitor.topology, RoutingKey.EMAIL_REQUESTED, message)
    logger.info("test send of %s for user %s to %s (%s)", period.label, user_id, address, key)
    return {
        "status": "accepted",
        "idempotencyKey": key,
        "to": address,
        "subject": message.subject,
    }


def _test_address(to: str | None) -> str:
    address = (to or "").strip()
    if not address:
        raise bad_request("to is required: the address the test email goes to")
    if len(address) > _ADDRESS_MAX or "@" not in address or any(c.isspace() for c in address):
        raise bad_request(f"to must be an email address, got {address[:80]!r}")
    return address


async def _ask_aggregator(
    monitor: Monitor, kind: PeriodKind, user_id: UUID, period: Period
) -> PreviewAnswer:
    if not await _aggregator_listening(monitor):
        raise _unavailable("no aggregator is running (nobody consumes preview requests)")
    request = PreviewRequested(
        job_name=EVALUATED_PERIODS[kind].job,
        user_id=user_id,
        period_start=period.start,
        period_end=period.end,
    )
    try:
        reply = await monitor.broker.request(
            request.to_wire(),
            exchange=monitor.topology.exchange,
            routing_key=RoutingKey.PREVIEW_REQUESTED.value,
            timeout=PREVIEW_WAIT_SECONDS,
            content_type="application/json",
        )
        answer = PreviewAnswer.model_validate(await reply.decode())
    except TimeoutError as exc:
        raise _unavailable(
            f"no aggregator answered the preview within {PREVIEW_WAIT_SECONDS:g} s; "
            "is the aggregator overloaded?"
        ) from exc
    except ValidationError as exc:
        logger.error("malformed preview answer: %s", exc)
        raise ApiError(503, "preview-failed", "the aggregator's answer was malformed") from exc
    if answer.status == "error":
        status = _STATUS_OF.get(answer.code or "", 503)
        raise ApiError(status, answer.code or "preview-failed", answer.message or "preview failed")
    return answer


async def _aggregator_listening(monitor: Monitor) -> bool:
    """Whether an aggregator consumes preview requests: a request nobody consumes would wait
    the whole PREVIEW_WAIT_SECONDS (request/reply has no "unroutable" answer). The aggregator's
    request queue is gone with its last consumer, so a missing queue means none runs."""
    name = monitor.topology.queue_name("aggregator", RoutingKey.PREVIEW_REQUESTED)
    try:
        async with asyncio.timeout(_PROBE_SECONDS):
            channel = await monitor.broker.config.channel_manager.get_channel(_PROBE_CHANNEL)
            queue = await channel.declare_queue(name, passive=True, robust=False)
    except Exception:  # the queue does not exist (its channel closes), or the broker is away
        return False
    return bool(queue.declaration_result.consumer_count)


def _unavailable(message: str) -> ApiError:
    return ApiError(503, "aggregator-unavailable", message)
