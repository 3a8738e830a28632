"""The compose stack's webhook receiver (deploy/alertmanager/alertmanager.yml, `ops-webhook`).

Standard library only, run by a stock python image. Every JSON POST (Alertmanager's webhook
body, or the services' own Slack-style alerts) is written to stdout as one line, so
`docker compose logs alert-webhook` shows what was delivered; GET / returns the last 100.
Replace its URL in alertmanager.yml with a real chat or paging endpoint in production.
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RECEIVED: deque[dict[str, Any]] = deque(maxlen=100)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        entry = {"path": self.path, "body": body}
        RECEIVED.append(entry)
        sys.stdout.write(json.dumps(entry, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        answer = json.dumps(list(RECEIVED)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()  # noqa: S104 - in its container
