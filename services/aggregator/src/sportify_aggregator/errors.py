"""Which failures are the infrastructure's (requeue and retry) rather than the run's (fail it)."""

from __future__ import annotations

import asyncpg.exceptions as pg
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError
from sqlalchemy.exc import DBAPIError, InterfaceError as SqlInterfaceError

_CONNECTIVITY: tuple[type[BaseException], ...] = (
    ConnectionError,  # includes AMQPConnectionError, ConnectionRefusedError, ConnectionResetError
    AMQPConnectionError,
    ChannelInvalidStateError,
    pg.PostgresConnectionError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.CannotConnectNowError,
    pg.InterfaceError,
    SqlInterfaceError,
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_connectivity_error(exc: BaseException) -> bool:
    """True when the database or broker could not be reached (or dropped the connection)."""
    for link in _chain(exc):
        if isinstance(link, TimeoutError):
            continue
        if isinstance(link, _CONNECTIVITY):
            return True
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, OSError):
            return True
    return False


def is_query_cancelled(exc: BaseException) -> bool:
    """True when PostgreSQL cancelled the statement (SQLSTATE 57014: pg_cancel_backend, or a
    statement_timeout); the run tells an operator's cancel from the rest by its metadata."""
    return any(
        isinstance(link, pg.QueryCanceledError) or getattr(link, "sqlstate", None) == "57014"
        for link in _chain(exc)
    )
