"""Session fixtures: a private migrated database and AMQP namespace per run, an SMTP sink."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sportify_common.broker import delete_namespace
from sportify_common.db.migrate import upgrade_to_head
from sportify_common.settings import Settings, load_settings
from tests.support.databases import create_database, drop_database, unique_name, with_database
from tests.support.services import resolve_amqp_url, resolve_database_url
from tests.support.smtp import SmtpSink


@pytest.fixture(scope="session")
def _stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def server_database_url(_stack: ExitStack) -> str:
    return resolve_database_url(_stack)


@pytest.fixture(scope="session")
def amqp_url(_stack: ExitStack) -> str:
    return resolve_amqp_url(_stack)


@pytest.fixture(scope="session")
def amqp_namespace() -> str:
    return f"test-{uuid4().hex[:10]}"


@pytest.fixture(scope="session")
async def template_database(server_database_url: str) -> AsyncIterator[str]:
    """A database migrated once per session; tests copy it."""
    name = unique_name("sportify_test_tmpl")
    await create_database(server_database_url, name)
    url = with_database(server_database_url, name)
    await upgrade_to_head(_asyncpg_url(url))
    yield name
    await drop_database(server_database_url, name)


def _asyncpg_url(url: str) -> str:
    _scheme, rest = url.split("://", 1)
    return f"postgresql+asyncpg://{rest}"


@pytest.fixture
async def database_url(server_database_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database of its own for one test (copied from the template)."""
    name = unique_name("sportify_test")
    for attempt in range(5):
        try:
            await create_database(server_database_url, name, template=template_database)
            break
        except Exception:
            # "source database is being accessed by other users" while another copy finishes
            if attempt == 4:
                raise
            await asyncio.sleep(0.2)
    yield with_database(server_database_url, name)
    await drop_database(server_database_url, name)


@pytest.fixture
async def settings(database_url: str, amqp_url: str) -> AsyncIterator[Settings]:
    """Settings for one test: its own database and AMQP namespace, secrets set.

    Afterwards the namespace's durable queues and exchanges are deleted."""
    settings = load_settings(
        database_url=database_url,
        amqp_url=amqp_url,
        amqp_namespace=f"test-{uuid4().hex[:10]}",
        cron_secret=_secret("cron-secret-for-tests"),
        admin_api_token=_secret("admin-token-for-tests"),
        events_trigger_wait_seconds=20.0,
    )
    yield settings
    await delete_namespace(amqp_url, settings.amqp_namespace)


def _secret(value: str) -> object:
    from pydantic import SecretStr

    return SecretStr(value)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.async_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(smtp_sink: SmtpSink) -> SmtpSink:
    smtp_sink.reset()
    return smtp_sink


@pytest.fixture
def service_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Factory for ServiceStack; every process it started is stopped after the test."""
    from tests.support.stack import ServiceStack

    stacks: list[ServiceStack] = []

    def make(env: dict[str, str]) -> ServiceStack:
        stack = ServiceStack(env=env, log_dir=tmp_path_factory.mktemp("services"))
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop_all()
