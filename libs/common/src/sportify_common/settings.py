"""Configuration from the environment (SPEC 9). Only this module reads it.

`load_settings()` turns a validation error into `SettingsError`, whose message names
the offending variable, so a service refuses to start with one readable line.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from functools import cached_property
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sportify_common.periods import fixed_offset_zone

TlsMode = Literal["starttls", "ssl", "none"]

_MAX_OFFSET_MINUTES = 840


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, validate_default=True
    )

    database_url: str = Field(
        "postgresql://postgres@localhost:5432/sportify", validation_alias=_alias("DATABASE_URL")
    )
    amqp_url: str = Field("amqp://guest:guest@localhost:5672/", validation_alias=_alias("AMQP_URL"))
    amqp_namespace: str = Field("sportify", validation_alias=_alias("AMQP_NAMESPACE"))

    cron_secret: SecretStr | None = Field(
        None, validation_alias=_alias("EVENTS_CRON_SECRET", "CRON_SECRET")
    )
    admin_api_token: SecretStr | None = Field(None, validation_alias=_alias("ADMIN_API_TOKEN"))
    unsubscribe_secret: SecretStr | None = Field(
        None, validation_alias=_alias("UNSUBSCRIBE_SECRET")
    )
    base_url: str = Field(
        "http://localhost:8000", validation_alias=_alias("EVENTS_BASE_URL", "FRONTEND_URL")
    )

    events_timezone: str | None = Field(None, validation_alias=_alias("EVENTS_TIMEZONE"))
    utc_offset_minutes: int = Field(
        0,
        validation_alias=_alias("EVENTS_UTC_OFFSET_MINUTES", "EVENTS_TIMEZONE_OFFSET_MINUTES"),
    )

    alert_email: str | None = Field(None, validation_alias=_alias("ALERT_EMAIL"))
    smtp_host: str = Field("localhost", validation_alias=_alias("SMTP_HOST"))
    smtp_port: int = Field(1025, ge=1, le=65535, validation_alias=_alias("SMTP_PORT"))
    smtp_user: str | None = Field(None, validation_alias=_alias("SMTP_USER"))
    smtp_pass: SecretStr | None = Field(None, validation_alias=_alias("SMTP_PASS"))
    smtp_from: str = Field(
        "Sportify <no-reply@sportify.local>", validation_alias=_alias("SMTP_FROM")
    )
    smtp_tls: TlsMode = Field("none", validation_alias=_alias("SMTP_TLS"))
    smtp_timeout_seconds: float = Field(30.0, gt=0, validation_alias=_alias("SMTP_TIMEOUT_SECONDS"))
    smtp_connections: int = Field(4, ge=1, le=64, validation_alias=_alias("SMTP_CONNECTIONS"))

    default_weekly_point_challenge: float = Field(
        1000, gt=0, validation_alias=_alias("DEFAULT_WEEKLY_POINT_CHALLENGE")
    )
    default_monthly_point_challenge: float = Field(
        4000, gt=0, validation_alias=_alias("DEFAULT_MONTHLY_POINT_CHALLENGE")
    )

    email_max_attempts: int = Field(3, ge=1, le=100, validation_alias=_alias("EMAIL_MAX_ATTEMPTS"))
    email_retry_base_seconds: float = Field(
        30.0, gt=0, validation_alias=_alias("EMAIL_RETRY_BASE_SECONDS")
    )
    email_retry_max_seconds: float = Field(
        3600.0, gt=0, validation_alias=_alias("EMAIL_RETRY_MAX_SECONDS")
    )
    email_retry_poll_seconds: float = Field(
        5.0, gt=0, validation_alias=_alias("EMAIL_RETRY_POLL_SECONDS")
    )
    message_max_deliveries: int = Field(
        5, ge=1, le=1000, validation_alias=_alias("MESSAGE_MAX_DELIVERIES")
    )
    job_timeout_seconds: float = Field(1800, gt=0, validation_alias=_alias("JOB_TIMEOUT_SECONDS"))
    stuck_job_threshold_minutes: float = Field(
        60, gt=0, validation_alias=_alias("STUCK_JOB_THRESHOLD_MINUTES")
    )
    alert_dedup_minutes: float = Field(60, ge=0, validation_alias=_alias("ALERT_DEDUP_MINUTES"))
    events_trigger_wait_seconds: float = Field(
        25, ge=0, validation_alias=_alias("EVENTS_TRIGGER_WAIT_SECONDS")
    )
    events_response_email_results_limit: int = Field(
        1000, ge=0, validation_alias=_alias("EVENTS_RESPONSE_EMAIL_RESULTS_LIMIT")
    )
    monitoring_cache_seconds: float = Field(
        1.0, ge=0, le=60, validation_alias=_alias("MONITORING_CACHE_SECONDS")
    )
    scheduler_catch_up_periods: int = Field(
        2, ge=0, le=120, validation_alias=_alias("SCHEDULER_CATCH_UP_PERIODS")
    )
    schedule_weekly_events: str = Field(
        "5 0 * * 1", validation_alias=_alias("SCHEDULE_WEEKLY_EVENTS")
    )
    schedule_monthly_events: str = Field(
        "10 0 1 * *", validation_alias=_alias("SCHEDULE_MONTHLY_EVENTS")
    )
    schedule_emails_dispatch: str = Field(
        "*/15 * * * *", validation_alias=_alias("SCHEDULE_EMAILS_DISPATCH")
    )
    schedule_cleanup: str = Field("0 2 * * *", validation_alias=_alias("SCHEDULE_CLEANUP"))

    monitor_host: str = Field("127.0.0.1", validation_alias=_alias("MONITOR_HOST"))
    monitor_port: int = Field(8000, ge=1, le=65535, validation_alias=_alias("MONITOR_PORT"))
    metrics_port: int = Field(9101, ge=0, le=65535, validation_alias=_alias("METRICS_PORT"))
    prefetch_count: int = Field(64, ge=1, le=10000, validation_alias=_alias("AMQP_PREFETCH_COUNT"))
    log_level: str = Field("INFO", validation_alias=_alias("LOG_LEVEL"))

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.split("+")[0] not in {"postgresql", "postgres"} or not parts.hostname:
            raise ValueError("must be a postgresql:// URL with a host")
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"amqp", "amqps"} or not parts.hostname:
            raise ValueError("must be an amqp:// URL with a host")
        return value

    @field_validator("amqp_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c in "-_." for c in value):
            raise ValueError("must be letters, digits, '-', '_' or '.'")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("events_timezone")
    @classmethod
    def _zone_name(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("utc_offset_minutes")
    @classmethod
    def _offset(cls, value: int) -> int:
        if not -_MAX_OFFSET_MINUTES <= value <= _MAX_OFFSET_MINUTES:
            raise ValueError("must be between -840 and 840")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @cached_property
    def zone(self) -> tzinfo:
        if self.events_timezone:
            return ZoneInfo(self.events_timezone)
        return fixed_offset_zone(self.utc_offset_minutes)

    @property
    def async_database_url(self) -> str:
        """The URL for SQLAlchemy's asyncpg dialect."""
        scheme, rest = self.database_url.split("://", 1)
        return f"postgresql+asyncpg://{rest}" if "+" not in scheme else self.database_url

    @property
    def admin_secret(self) -> SecretStr | None:
        return self.admin_api_token or self.cron_secret

    @property
    def token_secret(self) -> SecretStr | None:
        """The HMAC key for unsubscribe links: its own secret, else the cron secret."""
        return self.unsubscribe_secret or self.cron_secret

    @property
    def alert_recipient(self) -> str | None:
        return self.alert_email or self.smtp_user


def _variable_names(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return " / ".join(str(choice) for choice in alias.choices)
    return field_name.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; `overrides` (field names) win. Raises SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = error["loc"][0] if error["loc"] else ""
            name = (
                _variable_names(str(location))
                if location in Settings.model_fields
                else str(location)
            )
            value = os.environ.get(name.split(" / ")[0], "")
            shown = (
                "" if "secret" in name.lower() or "pass" in name.lower() else f" (got {value!r})"
            )
            problems.append(f"{name}: {error['msg']}{shown}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from exc
