"""Where the test run finds PostgreSQL and RabbitMQ: the environment, else testcontainers.

An unreachable service fails the run loudly; it is never skipped.
"""

from __future__ import annotations

import os
import socket
from contextlib import ExitStack
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "localhost", parts.port or default_port), 3
        ):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def resolve_database_url(stack: ExitStack) -> str:
    url = (
        os.environ.get("TEST_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )
    if reachable(url, 5432):
        return url
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = stack.enter_context(PostgresContainer("postgres:16-alpine", driver=None))
        return str(container.get_connection_url())
    raise RuntimeError(
        f"PostgreSQL is not reachable at {urlsplit(url).netloc} and no Docker engine is available; "
        "run `make services` (or set DATABASE_URL)"
    )


def resolve_amqp_url(stack: ExitStack) -> str:
    url = os.environ.get("TEST_AMQP_URL") or os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL
    if reachable(url, 5672):
        return url
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-alpine"))
        params = container.get_connection_params()
        return f"amqp://{container.username}:{container.password}@{params.host}:{params.port}/"
    raise RuntimeError(
        f"RabbitMQ is not reachable at {urlsplit(url).hostname} and no Docker engine is available; "
        "run `make services` (or set AMQP_URL)"
    )
