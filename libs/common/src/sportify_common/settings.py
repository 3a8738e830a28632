"""Configuration from the environment (SPEC 9). Only this module reads it.

One class per concern (database and broker, zone, alerts, unsubscribe links, SMTP), one class
per service made of the concerns it reads, and `Settings`, every variable at once, for what
runs the whole stack (the command line, the dev tree, tests). A field's variable is its name
in capitals; only a variable that SPEC 9 gives a second name has an alias.

`load_settings()` / `load_settings_for(cls)` turn a validation error into `SettingsError`,
whose message names the offending variable, so a service refuses to start with one readable
line.
"""

from __future__ import annotations

import hmac
import os
from datetime import tzinfo
from functools import cached_property
from ipaddress import ip_address
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sportify_common.periods import fixed_offset_zone

TlsMode = Literal["starttls", "ssl", "none"]

_MAX_OFFSET_MINUTES = 840


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


class _Environment(BaseSettings):
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, validate_default=True
    )


class ServiceSettings(_Environment):
    """What every service reads: its database, its broker, delivery limits, the log level."""

    database_url: str = "postgresql://postgres@localhost:5432/sportify"
    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    amqp_namespace: str = "sportify"
    message_max_deliveries: int = Field(5, ge=1, le=1000)
    log_level: str = "INFO"

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

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @property
    def async_database_url(self) -> str:
        """The URL for SQLAlchemy's asyncpg dialect."""
        scheme, rest = self.database_url.split("://", 1)
        return f"postgresql+asyncpg://{rest}" if "+" not in scheme else self.database_url


class PrefetchSettings(_Environment):
    """How many unacknowledged messages a consumer holds (the aggregator fixes its own)."""

    amqp_prefetch_count: int = Field(64, ge=1, le=10000)


class ZoneSettings(_Environment):
    """The zone periods and schedules are computed in: a name, else a fixed offset."""

    events_timezone: str | None = None
    utc_offset_minutes: int = Field(
        0,
        validation_alias=AliasChoices(
            "EVENTS_UTC_OFFSET_MINUTES", "EVENTS_TIMEZONE_OFFSET_MINUTES"
        ),
    )

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

    @cached_property
    def zone(self) -> tzinfo:
        if self.events_timezone:
            return ZoneInfo(self.events_timezone)
        return fixed_offset_zone(self.utc_offset_minutes)


class SmtpUserSettings(_Environment):
    """SMTP_USER: the account the mailer signs in with, and the fallback alert recipient."""

    smtp_user: str | None = None


DEFAULT_BASE_URL = "http://localhost:8000"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host).is_loopback  # 127.0.0.0/8, ::1
    except ValueError:
        return False


class PublicUrlSettings(_Environment):
    """Where people reach Sportify (SPEC 9, 4.3): EVENTS_BASE_URL, the monitor's public URL
    (unsubscribe links, ops console and admin API links in alerts), and FRONTEND_URL, the
    app's (the summary email's button); each falls back to the other, both unset means the
    local monitor. Plain http only for a loopback host: a mail client sends RFC 8058 one-click
    to https URLs only, and a link to a console over http would leak the session."""

    events_base_url: str | None = None
    frontend_url: str | None = None

    @field_validator("events_base_url", "frontend_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an https:// URL with a host")
        if parts.scheme != "https" and not _is_loopback(parts.hostname):
            raise ValueError("must be https:// (plain http only for localhost, 127.0.0.0/8 or ::1)")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be a base URL without credentials, query or fragment")
        return value.rstrip("/")

    @property
    def monitor_base_url(self) -> str:
        """The base of unsubscribe links and console links: EVENTS_BASE_URL, else FRONTEND_URL."""
        return self.events_base_url or self.frontend_url or DEFAULT_BASE_URL

    @property
    def button_base_url(self) -> str:
        """The summary email's button: FRONTEND_URL, else EVENTS_BASE_URL."""
        return self.frontend_url or self.events_base_url or DEFAULT_BASE_URL


class AlertSettings(SmtpUserSettings, PublicUrlSettings):
    """Who gets alert emails (ALERT_EMAIL, else SMTP_USER), how often one title is sent, the
    webhook that also gets them, and the monitor's URL their links point to."""

    alert_email: str | None = None
    alert_dedup_minutes: float = Field(60, ge=0)
    alert_webhook_url: str | None = None

    @field_validator("alert_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s):// URL")
        return value

    @property
    def alert_recipient(self) -> str | None:
        return self.alert_email or self.smtp_user


class UnsubscribeSettings(_Environment):
    """The key that signs unsubscribe links: its own secret, else the cron secret."""

    unsubscribe_secret: SecretStr | None = None
    cron_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("EVENTS_CRON_SECRET", "CRON_SECRET")
    )

    @property
    def token_secret(self) -> SecretStr | None:
        return self.unsubscribe_secret or self.cron_secret


class SmtpSettings(SmtpUserSettings):
    smtp_host: str = "localhost"
    smtp_port: int = Field(1025, ge=1, le=65535)
    smtp_pass: SecretStr | None = None
    smtp_from: str = "Sportify <no-reply@sportify.local>"
    smtp_tls: TlsMode = "none"
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    smtp_connections: int = Field(4, ge=1, le=64)


class ScheduleSettings(_Environment):
    """The cron expression of each scheduled job (SPEC 4.6): the scheduler fires by them, the
    monitor shows their next runs (SPEC 12.1); parsed by `scheduled_jobs.scheduled_jobs`."""

    schedule_weekly_events: str = "5 0 * * 1"
    schedule_monthly_events: str = "10 0 1 * *"
    schedule_emails_dispatch: str = "*/15 * * * *"
    schedule_cleanup: str = "0 2 * * *"
    schedule_retention: str = "0 3 * * *"


class SchedulerSettings(ServiceSettings, PrefetchSettings, ZoneSettings, ScheduleSettings):
    scheduler_catch_up_periods: int = Field(2, ge=0, le=120)


class AggregatorSettings(ServiceSettings, ZoneSettings, AlertSettings, UnsubscribeSettings):
    default_weekly_point_challenge: float = Field(1000, gt=0)
    default_monthly_point_challenge: float = Field(4000, gt=0)
    job_timeout_seconds: float = Field(1800, gt=0)
    events_response_email_results_limit: int = Field(1000, ge=0)


class RetentionSettings(_Environment):
    """How long what grows is kept (SPEC 4.8), in days; 0 turns a rule off."""

    retention_email_body_days: int = Field(30, ge=0)
    retention_email_days: int = Field(180, ge=0)
    retention_job_run_days: int = Field(400, ge=0)
    retention_audit_days: int = Field(400, ge=0)


class MailerSettings(
    ServiceSettings, PrefetchSettings, SmtpSettings, AlertSettings, RetentionSettings
):
    email_max_attempts: int = Field(3, ge=1, le=100)
    email_retry_base_seconds: float = Field(300.0, gt=0)
    email_retry_max_seconds: float = Field(3600.0, gt=0)
    email_retry_poll_seconds: float = Field(5.0, gt=0)
    smtp_probe_max_seconds: float = Field(60.0, ge=5)
    email_suppression_days: int = Field(30, ge=1)


class MonitorSettings(
    ServiceSettings,
    PrefetchSettings,
    ZoneSettings,
    AlertSettings,
    UnsubscribeSettings,
    ScheduleSettings,
):
    admin_api_token: SecretStr | None = None
    stuck_job_threshold_minutes: float = Field(60, gt=0)
    events_trigger_wait_seconds: float = Field(25, ge=0)
    monitoring_cache_seconds: float = Field(1.0, ge=0, le=60)
    ops_session_secret: SecretStr | None = None

    @property
    def admin_secret(self) -> SecretStr | None:
        return self.admin_api_token or self.cron_secret

    @property
    def console_secret(self) -> bytes | None:
        """The key of the ops console's session cookies (SPEC 9, 13): OPS_SESSION_SECRET, else
        one derived from the admin token (so a new token also signs every console user out)."""
        if self.ops_session_secret is not None:
            return self.ops_session_secret.get_secret_value().encode()
        admin = self.admin_secret
        if admin is None:
            return None
        return hmac.new(
            admin.get_secret_value().encode(), b"sportify-ops-session", "sha256"
        ).digest()


# The pydantic mypy plugin synthesises a `model_construct` per class whose parameters follow
# each base's field order; two service classes sharing concern classes in another order then
# "conflict", though the runtime MRO is sound. `Settings` is never built with model_construct.
class Settings(  # type: ignore[misc]
    AggregatorSettings, MailerSettings, MonitorSettings, SchedulerSettings
):
    """Every variable: for what runs the whole stack (the command line, the dev tree, tests).

    Also where the services are served: the monitor's HTTP port and host, the others'
    metrics port, and how long a stopping service may take (JOB_TIMEOUT_SECONDS).
    """

    monitor_host: str = "127.0.0.1"
    monitor_port: int = Field(8000, ge=1, le=65535)
    metrics_port: int = Field(9101, ge=0, le=65535)


S = TypeVar("S", bound=_Environment)


def _variables(cls: type[_Environment], location: str) -> list[str]:
    """The variable names of the field at `location` (a field name or one of its aliases)."""
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else []
        if location == name or location in choices:
            return choices or [name.upper()]
    return [location]


def load_settings_for(cls: type[S], **overrides: Any) -> S:
    """Read the environment variables of `cls`; `overrides` (field names) win.

    Raises SettingsError naming each bad variable (a secret's value is not echoed).
    """
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variables = _variables(cls, str(error["loc"][0]) if error["loc"] else "")
            name = " / ".join(variables)
            value = next((os.environ[v] for v in variables if v in os.environ), "")
            shown = (
                "" if "secret" in name.lower() or "pass" in name.lower() else f" (got {value!r})"
            )
            problems.append(f"{name}: {error['msg']}{shown}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from exc


def load_settings(**overrides: Any) -> Settings:
    """Every variable (see `Settings`); `overrides` (field names) win. Raises SettingsError."""
    return load_settings_for(Settings, **overrides)
