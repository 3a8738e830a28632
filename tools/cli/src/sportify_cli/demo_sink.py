"""The demo's own SMTP server: every email it receives is saved as an .eml file."""

from __future__ import annotations

import itertools
import re
import socket
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class EmlFolderHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", ",".join(envelope.rcpt_tos))[:80]
        with self._lock:
            number = next(self._numbers)
            self.count += 1
        (self.folder / f"{number:04d}-{recipient}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmlFolderSink:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.handler = EmlFolderHandler(folder)
        self.port = _free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> EmlFolderSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
