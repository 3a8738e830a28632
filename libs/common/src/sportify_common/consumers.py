"""How every consumer treats failure (SPEC 7).

- A body that does not parse or validate never reaches the handler: FastStream's default
  ack policy (REJECT_ON_ERROR) rejects it without requeue, so it lands in the DLQ at once.
- A message that refers to nothing we know (e.g. an unknown jobRunId): `dead_letter()`.
- Anything else that goes wrong (database or broker down, a bug): `redeliver_on_failure`
  requeues it after a short pause; the quorum queue's delivery limit dead-letters it after
  MESSAGE_MAX_DELIVERIES attempts, so it never blocks the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

from faststream.exceptions import HandlerException, RejectMessage


@asynccontextmanager
async def redeliver_on_failure(
    logger: logging.Logger, what: str, *, pause_seconds: float = 1.0
) -> AsyncIterator[None]:
    try:
        yield
    except HandlerException:
        raise
    except Exception as exc:
        logger.exception("%s failed; the message goes back to the queue", what)
        await asyncio.sleep(pause_seconds)
        raise RejectMessage(requeue=True) from exc


def dead_letter(logger: logging.Logger, reason: str) -> NoReturn:
    logger.error("dead-lettering message: %s", reason)
    raise RejectMessage(requeue=False)
