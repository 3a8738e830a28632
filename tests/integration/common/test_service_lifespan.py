"""A FastStream service stopped right after its ASGI start-up reports complete.

AsgiFastStream reports start-up complete before the broker has started and the after-startup
hooks (topology declarations, background loops) have run; a shutdown in that window used to close
the channel under a queue declaration and fail with ChannelClosed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asgi_lifespan import LifespanManager
from faststream.asgi import AsgiFastStream

from sportify_aggregator.app import create_app as create_aggregator
from sportify_common.settings import Settings
from sportify_mailer.app import create_app as create_mailer
from sportify_scheduler.app import create_app as create_scheduler

SERVICES: dict[str, Callable[[Settings], AsgiFastStream]] = {
    "aggregator": create_aggregator,
    "mailer": create_mailer,
    "scheduler": create_scheduler,
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_a_service_stopped_during_its_start_up_shuts_down_cleanly(
    service: str, settings: Settings
) -> None:
    for _ in range(3):
        app = SERVICES[service](settings)
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=60):
            pass
