"""The only module that speaks SMTP: a small pool of reused aiosmtplib connections, and probes.

Each connection serves one send at a time; at most `size` are open. A connection that broke
(dropped, timed out, 421) is closed and a fresh one is opened for the next send. Errors come
back as `SendFailure` values (code None = no SMTP reply), with the stage they answered, never
as exceptions; `circuit.is_server_failure` decides from that whose fault they were. A reused
connection that turns out to be dead when the first command is sent on it is replaced once
(a server closing idle connections is not an outage).

`probe()` opens a connection of its own (greeting, STARTTLS or TLS, AUTH, EHLO as configured),
sends NOOP and QUIT, and sends no mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import aiosmtplib

from sportify_common.settings import SmtpSettings
from sportify_mailer.circuit import SmtpStage
from sportify_mailer.compose import OutgoingEmail
from sportify_mailer.retry import SendFailure

logger = logging.getLogger(__name__)

_SERVICE_CLOSING = 421

NOT_ATTEMPTED = SendFailure(None, "not attempted: the SMTP circuit is open", SmtpStage.CONNECT)
"""What `send` returns when its `go` check said no once a connection was free."""


class Sender(Protocol):
    async def send(
        self, message: OutgoingEmail, *, go: Callable[[], bool] | None = None
    ) -> SendFailure | None: ...

    async def probe(self) -> SendFailure | None: ...

    def discard_idle(self) -> None: ...

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

    async def send(
        self, message: OutgoingEmail, *, go: Callable[[], bool] | None = None
    ) -> SendFailure | None:
        """Send one email; `go` is asked once a connection slot is free (False: not attempted)."""
        async with self._slots:
            if go is not None and not go():
                return NOT_ATTEMPTED
            reused = bool(self._idle)
            failure = await self._send_once(message)
            if reused and _stale(failure):
                logger.info(
                    "a reused SMTP connection was dead (%s); retrying on a new one", failure
                )
                failure = await self._send_once(message, fresh=True)
            return failure

    async def _send_once(
        self, message: OutgoingEmail, *, fresh: bool = False
    ) -> SendFailure | None:
        client = self._idle.pop() if self._idle and not fresh else self._new_client()
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
        """(failure or None, whether the connection may be reused). One command at a time, so
        that each failure names the stage it answered."""
        stage = SmtpStage.CONNECT
        try:
            if not client.is_connected:
                await client.connect()  # greeting, TLS, and AUTH (after EHLO) as configured
            stage = SmtpStage.EHLO
            await _ehlo_if_needed(client)
            stage = SmtpStage.MAIL
            await client.mail(message.sender)
            stage = SmtpStage.RCPT
            await client.rcpt(message.recipient)
            stage = SmtpStage.DATA
            await client.data(message.data)
        except aiosmtplib.SMTPResponseException as exc:
            if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
                stage = SmtpStage.AUTH
            failure = SendFailure(exc.code, exc.message, stage)
            keep = not failure.is_server_failure
            if keep and stage is SmtpStage.RCPT:
                keep = await _reset(client)  # end the half-made transaction
            return failure, keep
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Refused, dropped, timed out, TLS failed, or no usable AUTH: no reply to judge.
            return SendFailure(None, f"connection failed: {_describe(exc)}", stage), False
        return None, True

    async def probe(self) -> SendFailure | None:
        """Can the server take mail? Connect (TLS, AUTH as configured), EHLO, NOOP, QUIT."""
        client = self._new_client()
        stage = SmtpStage.CONNECT
        try:
            await client.connect()
            stage = SmtpStage.EHLO
            await _ehlo_if_needed(client)
            stage = SmtpStage.MAIL  # NOOP: the session is set up, as before MAIL FROM
            await client.noop()
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()
        except aiosmtplib.SMTPAuthenticationError as exc:
            return SendFailure(exc.code, exc.message, SmtpStage.AUTH)
        except aiosmtplib.SMTPResponseException as exc:
            return SendFailure(exc.code, exc.message, stage)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return SendFailure(None, f"connection failed: {_describe(exc)}", stage)
        finally:
            await _discard(client)
        return None

    def discard_idle(self) -> None:
        """Forget the idle connections (the server went away: they are dead or soon will be)."""
        idle, self._idle = self._idle, []
        for client in idle:
            client.close()

    async def close(self) -> None:
        """Close idle connections; sends still in progress close theirs when they finish."""
        self._closed = True
        idle, self._idle = self._idle, []
        for client in idle:
            await _discard(client, polite=True)


def _stale(failure: SendFailure | None) -> bool:
    """A reused connection found dead at its first command (no reply to MAIL FROM): nothing of
    the message reached the server, so trying once more on a new connection is safe."""
    return failure is not None and failure.code is None and failure.stage is SmtpStage.MAIL


async def _ehlo_if_needed(client: aiosmtplib.SMTP) -> None:
    """EHLO once per session (HELO for a server that refuses EHLO), as `sendmail` would."""
    if not client.is_ehlo_or_helo_needed:
        return
    try:
        await client.ehlo()
    except aiosmtplib.SMTPHeloError as exc:
        if exc.code == _SERVICE_CLOSING:
            raise
        await client.helo()


async def _reset(client: aiosmtplib.SMTP) -> bool:
    """RSET after a refused recipient; False when the connection is no longer usable."""
    try:
        async with asyncio.timeout(5):
            await client.rset()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return False
    return client.is_connected


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
