"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from sportify_common.broker import delete_namespace
from sportify_common.settings import Settings
from tests.support.databases import create_database, drop_database, unique_name, with_database
from tests.support.stack import ServiceStack

StackFactory = Callable[[dict[str, str]], ServiceStack]


@dataclass(frozen=True, slots=True)
class Copier:
    server_url: str
    made: list[tuple[str, str]]  # (database, namespace)

    async def copy(self, settings: Settings) -> Settings:
        """A copy of `settings`' database (nothing may be connected to it) and its own namespace."""
        source = urlsplit(settings.database_url).path.lstrip("/")
        name = unique_name("sportify_ref")
        await create_database(self.server_url, name, template=source)
        namespace = f"test-{uuid4().hex[:10]}"
        self.made.append((name, namespace))
        return settings.model_copy(
            update={
                "database_url": with_database(self.server_url, name),
                "amqp_namespace": namespace,
            }
        )


@pytest.fixture
async def database_copier(server_database_url: str, amqp_url: str) -> AsyncIterator[Copier]:
    copier = Copier(server_database_url, [])
    yield copier
    for name, namespace in copier.made:
        await drop_database(server_database_url, name)
        await delete_namespace(amqp_url, namespace)
