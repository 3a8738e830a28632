"""The only module that speaks SMTP: a small pool of reused aiosmtplib connections.

Each connection serves one send at a time; at most `size` are open. A connection that broke
(dropped, timed out, 421) is closed and a fresh one is opened for the next send. Errors come
back as `SendFailure` values (code None = no SMTP reply), never as exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import aiosmtplib

from sportify_common.settings import SmtpSettings
from sportify_mailer.compose import OutgoingEmail
from sportify_mailer.retry import SendFailure

logger = logging.getLogger(__name__)

_SERVICE_CLOSING = 421


class Sender(Protocol):
    async def send(self, message: OutgoingEmail) -> SendFailure | None: ...

    async def close(self) -> None: ...


class SmtpPool:
    def __init__(self, settings: SmtpSettings, *, size: int | None = None) -> None:
        self._settings = settings
        self._size = size if size is not None else settings.smtp_connections
        self._slots = asyncio.Semaphore(self._size)
        self._idle: list[aiosmtplib.SMTP] = []
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user if s.smtp_user and s.smtp_pass else None,
            password=s.smtp_pass.get_secret_value() if s.smtp_user and s.smtp_pass else None,
            timeout=s.smtp_timeout_seconds,
            use_tls=s.smtp_tls == "ssl",
            start_tls=s.smtp_tls == "starttls",
        )

    async def send(self, message: OutgoingEmail) -> SendFailure | None:
        async with self._slots:
            client = self._idle.pop() if self._idle else self._new_client()
            keep = True
            try:
                failure, keep = await self._send_on(client, message)
            except BaseException:  # cancelled mid-send: the session state is unknown
                keep = False
                raise
            finally:
                if keep and not self._closed and client.is_connected:
                    self._idle.append(client)
                else:
                    await _discard(client)
            return failure

    async def _send_on(
        self, client: aiosmtplib.SMTP, message: OutgoingEmail
    ) -> tuple[SendFailure | None, bool]:
        """(failure or None, whether the connection may be reused)."""
        try:
            if not client.is_connected:
                await client.connect()
            await client.sendmail(message.sender, [message.recipient], message.data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            code = first.code if first is not None else 550
            text = first.message if first is not None else str(exc)
            return SendFailure(code, f"recipient refused: {text}"), True
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPHeloError,
            aiosmtplib.SMTPAuthenticationError,
            aiosmtplib.SMTPNotSupported,
        ) as exc:
            # The session could not be set up: not a verdict on this email, so retry later.
            return SendFailure(None, f"connection failed: {_describe(exc)}"), False
        except aiosmtplib.SMTPResponseException as exc:
            return SendFailure(exc.code, exc.message), exc.code != _SERVICE_CLOSING
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return SendFailure(None, f"connection lost: {_describe(exc)}"), False
        return None, True

    async def close(self) -> None:
        """Close idle connections; sends still in progress close theirs when they finish."""
        self._closed = True
        idle, self._idle = self._idle, []
        for client in idle:
            await _discard(client, polite=True)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


async def _discard(client: aiosmtplib.SMTP, *, polite: bool = False) -> None:
    if not client.is_connected:
        return
    if polite:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await client.quit()
                return
    client.close()
