"""An in-process SMTP sink (aiosmtpd) that can inject 421/451, 550 and dropped connections, and
a relay that can refuse AUTH or MAIL FROM."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SinkHandler:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    transient_failures: int = 0
    transient_code: str = "451 4.3.0 Temporary failure, try again"
    permanent_recipients: set[str] = field(default_factory=set)
    drop_connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.permanent_recipients or address.endswith("@invalid.test"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.drop_connections > 0:
                self.drop_connections -= 1
                server.transport.close()
                return "421 4.4.2 Connection dropped"
            if self.transient_failures > 0:
                self.transient_failures -= 1
                return self.transient_code
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class RelayHandler(SinkHandler):
    """A sink that offers AUTH: `auth_reply` answers AUTH (None: success); `mail_reply` answers
    MAIL FROM (None: accepted). Either can be changed while the relay runs."""

    auth_reply: str | None = None
    mail_reply: str | None = None
    auth_attempts: int = 0

    async def handle_AUTH(self, server: Any, session: Any, envelope: Any, args: Any) -> str:  # noqa: N802
        with self.lock:
            self.auth_attempts += 1
            return self.auth_reply or "235 2.7.0 Authentication successful"

    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: Any
    ) -> str:
        with self.lock:
            if self.mail_reply is not None:
                return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class SmtpSink:
    def __init__(self, handler: SinkHandler | None = None, *, port: int | None = None) -> None:
        self.handler = handler if handler is not None else SinkHandler()
        self.port = port if port is not None else free_port()
        # AUTH offered without TLS (a test relay on loopback only)
        extra: dict[str, Any] = (
            {"auth_require_tls": False} if isinstance(self.handler, RelayHandler) else {}
        )
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **extra)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.envelopes.clear()
            self.handler.transient_failures = 0
            self.handler.drop_connections = 0
            self.handler.permanent_recipients.clear()

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.messages if recipient in str(m["To"])]

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} emails in the sink, got {len(self.messages)}")
