"""What only the CLI reads from the environment: where the admin API is (SPEC 10).

`SPORTIFY_URL` is the monitor's base URL; without it the CLI calls the monitor at
`http://MONITOR_HOST:MONITOR_PORT` (the service settings' own variables).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sportify_common.settings import SettingsError


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    sportify_url: str | None = None

    @field_validator("sportify_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")


def load_cli_settings() -> CliSettings:
    try:
        return CliSettings()
    except ValidationError as exc:
        problems = "; ".join(f"SPORTIFY_URL: {error['msg']}" for error in exc.errors())
        raise SettingsError(f"invalid configuration: {problems}") from exc
