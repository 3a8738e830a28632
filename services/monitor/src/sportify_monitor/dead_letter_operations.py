"""The dead-letter operations of the admin API (SPEC 12.5): the AMQP work of
`dead_letter_admin`, its errors as API errors, and the audit rows of replay and purge.

A replay or purge that moved a message writes one `audit_log` row (`dead-letters.replay`,
`dead-letters.purge`) after the broker did it: RabbitMQ and PostgreSQL share no transaction,
so the row follows the change (a call that moved nothing leaves none).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from sportify_common import audit
from sportify_monitor import dead_letter_admin as amqp
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError
from sportify_monitor.mail_operations import Operator
from sportify_monitor.ops_schemas import (
    DeadLetterDepth,
    DeadLetterEntry,
    DeadLetterPeek,
    DeadLetterQueues,
    PurgeResponse,
    ReplayResponse,
)

REPLAY = "dead-letters.replay"
PURGE = "dead-letters.purge"

T = TypeVar("T")


def _not_ours(queue: str) -> ApiError:
    return ApiError(
        404,
        "not-found",
        f"{queue[:200]!r} is not a dead-letter queue of this namespace; "
        "GET /api/admin/dead-letters lists them.",
    )


async def _broker(call: Awaitable[T], queue: str = "") -> T:
    """The broker's failures as API errors: 404 foreign queue, 503 broker down."""
    try:
        return await call
    except amqp.UnknownQueueError as exc:
        raise _not_ours(queue) from exc
    except amqp.BrokerUnavailableError as exc:
        raise ApiError(
            503, "broker-unavailable", "The message broker is not reachable right now."
        ) from exc


def _known(monitor: Monitor, queue: str) -> None:
    """404 before any broker work (and without a broker) for a foreign name."""
    if queue not in amqp.namespace_queues(monitor.topology):
        raise _not_ours(queue)


async def list_queues(monitor: Monitor) -> DeadLetterQueues:
    depths = await _broker(amqp.depths(monitor.settings.amqp_url, monitor.topology))
    return DeadLetterQueues(queues=[DeadLetterDepth(queue=n, depth=d) for n, d in depths])


async def peek(monitor: Monitor, queue: str, *, limit: int) -> DeadLetterPeek:
    _known(monitor, queue)
    url, topology = monitor.settings.amqp_url, monitor.topology
    letters = await _broker(amqp.peek(url, topology, queue, limit=limit), queue)
    depths = dict(await _broker(amqp.depths(url, topology)))
    return DeadLetterPeek(
        queue=queue,
        depth=depths.get(queue, 0),
        messages=[DeadLetterEntry.of(letter) for letter in letters],
    )


async def _record(
    monitor: Monitor, *, action: str, queue: str, operator: Operator, details: dict[str, Any]
) -> None:
    async with monitor.engine.begin() as conn:
        await audit.record_action(
            conn,
            actor=operator.actor,
            action=action,
            target=queue,
            reason=operator.reason,
            details=details,
            now=monitor.clock(),
        )


async def replay(monitor: Monitor, queue: str, *, limit: int, operator: Operator) -> ReplayResponse:
    _known(monitor, queue)
    try:
        replayed = await _broker(
            amqp.replay(monitor.settings.amqp_url, monitor.topology, queue, limit=limit), queue
        )
    except amqp.UnroutableReplayError as exc:
        if exc.replayed:
            await _record(
                monitor,
                action=REPLAY,
                queue=queue,
                operator=operator,
                details={"limit": limit, "replayed": exc.replayed, "stoppedBy": "unroutable"},
            )
        raise ApiError(409, "unroutable", str(exc)) from exc
    if replayed:
        await _record(
            monitor,
            action=REPLAY,
            queue=queue,
            operator=operator,
            details={"limit": limit, "replayed": replayed},
        )
    return ReplayResponse(queue=queue, replayed=replayed)


async def purge(monitor: Monitor, queue: str, *, operator: Operator) -> PurgeResponse:
    _known(monitor, queue)
    purged = await _broker(amqp.purge(monitor.settings.amqp_url, monitor.topology, queue), queue)
    if purged:
        await _record(
            monitor, action=PURGE, queue=queue, operator=operator, details={"purged": purged}
        )
    return PurgeResponse(queue=queue, purged=purged)
