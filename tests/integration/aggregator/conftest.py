from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings
from tests.integration.aggregator.harness import Harness, running_aggregator


@pytest.fixture
async def aggregator(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Harness]:
    async with running_aggregator(settings, engine) as harness:
        yield harness
