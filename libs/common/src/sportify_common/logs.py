"""Logging: one format for every service, a filter that keeps secrets out of log lines, and
the trace id of the current span on every line logged inside one (SPEC 14)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sportify_common.tracing import current_trace_id

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


class SecretRedactingFilter(logging.Filter):
    """Replaces known secrets, URL passwords and bearer tokens in every record with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        message = _URL_PASSWORD.sub(r"\g<scheme>***@", message)
        return _BEARER.sub(r"\1***", message)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class TraceIdFilter(logging.Filter):
    """Sets `record.trace_id`: the current span's trace id, "" outside a span (or tracing off)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id = current_trace_id()
        return True


class TraceFormatter(logging.Formatter):
    """The line format, with ` trace_id=<32 hex>` appended when the line has a trace (before
    a traceback, which `format` adds after the message)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        line = super().formatMessage(record)
        trace_id = getattr(record, "trace_id", "")
        return f"{line} trace_id={trace_id}" if trace_id else line


def configure_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        TraceFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    )
    handler.addFilter(SecretRedactingFilter(secrets))
    handler.addFilter(TraceIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "aiormq",
        "aio_pika",
        "sqlalchemy.engine",
        "mail.log",
        "faststream.access",
        "alembic.runtime.plugins",
    ):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
