"""A client of the monitor's admin API (SPEC 12) for the CLI: bearer token, who acts, errors.

Every operator command goes through the API, never the database, so the CLI, the console and
scripts share one code path and one audit log.
"""

from __future__ import annotations

import getpass
from typing import Any

import httpx

from sportify_cli.trigger import monitor_url
from sportify_common.audit import MAX_ACTOR_LENGTH
from sportify_common.settings import Settings

TIMEOUT_SECONDS = 120.0


class ApiError(Exception):
    """The API refused (4xx: `exit_code` 2) or could not answer (5xx, unreachable: 1)."""

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def default_actor() -> str:
    """`cli:<OS user>`: who acts, for the audit log (X-Sportify-Actor)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"[:MAX_ACTOR_LENGTH]


class AdminApi:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        actor: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "X-Sportify-Actor": actor or default_actor(),
            },
            timeout=TIMEOUT_SECONDS,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, sportify_url: str | None) -> AdminApi:
        secret = settings.admin_secret
        if secret is None:
            raise ApiError(
                "set ADMIN_API_TOKEN (or the cron secret) to call the admin API", exit_code=2
            )
        return cls(sportify_url or monitor_url(settings), secret.get_secret_value())

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        try:
            response = self._client.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise ApiError(
                f"the admin API at {self.base_url} is not reachable: {exc}", exit_code=1
            ) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            message = (
                answer.get("message") if isinstance(answer, dict) else None
            ) or f"HTTP {response.status_code}"
            raise ApiError(message, exit_code=2 if response.status_code < 500 else 1)
        return answer
