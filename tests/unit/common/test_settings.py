from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from sportify_common.logs import SecretRedactingFilter
from sportify_common.settings import (
    AggregatorSettings,
    MailerSettings,
    MonitorSettings,
    SchedulerSettings,
    Settings,
    SettingsError,
    load_settings,
    load_settings_for,
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "EVENTS_TIMEZONE",
        "EVENTS_UTC_OFFSET_MINUTES",
        "EVENTS_TIMEZONE_OFFSET_MINUTES",
        "CRON_SECRET",
        "EVENTS_CRON_SECRET",
        "ADMIN_API_TOKEN",
        "SMTP_PORT",
        "DATABASE_URL",
        "EVENTS_BASE_URL",
        "FRONTEND_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_zone_defaults_to_utc() -> None:
    assert load_settings().zone.utcoffset(None) == UTC.utcoffset(None)


def test_an_iana_zone_wins_over_an_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("EVENTS_UTC_OFFSET_MINUTES", "300")

    assert load_settings().zone == ZoneInfo("Europe/Berlin")


def test_the_offset_alias_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_TIMEZONE_OFFSET_MINUTES", "-120")

    assert load_settings().utc_offset_minutes == -120


def test_the_cron_secret_alias_and_the_admin_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRON_SECRET", "from-cron")
    settings = load_settings()

    assert settings.cron_secret is not None
    assert settings.admin_secret is not None
    assert settings.admin_secret.get_secret_value() == "from-cron"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EVENTS_TIMEZONE", "Mars/Olympus"),
        ("EVENTS_UTC_OFFSET_MINUTES", "841"),
        ("EVENTS_UTC_OFFSET_MINUTES", "one hour"),
        ("SMTP_PORT", "smtp"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("SMTP_TLS", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_a_bad_secret_value_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASS", "")
    monkeypatch.setenv("SMTP_PORT", "0")

    with pytest.raises(SettingsError) as error:
        load_settings()

    assert "SMTP_PORT" in str(error.value)


def test_the_log_filter_redacts_secrets_url_passwords_and_bearer_tokens() -> None:
    redact = SecretRedactingFilter(["s3cret-value"]).redact

    assert redact("token s3cret-value here") == "token *** here"
    assert redact("amqp://guest:hunter2@rabbit:5672/") == "amqp://guest:***@rabbit:5672/"
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer ***"


def test_a_service_reads_only_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_TIMEZONE", "Mars/Olympus")

    mailer = load_settings_for(MailerSettings)

    assert "events_timezone" not in MailerSettings.model_fields
    assert mailer.smtp_port == 1025
    with pytest.raises(SettingsError, match="EVENTS_TIMEZONE"):
        load_settings_for(MonitorSettings)


def test_a_bad_value_under_the_second_name_shows_both_names_and_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENTS_TIMEZONE_OFFSET_MINUTES", "900")

    with pytest.raises(
        SettingsError,
        match=r"EVENTS_UTC_OFFSET_MINUTES / EVENTS_TIMEZONE_OFFSET_MINUTES: .* 840 \(got '900'\)",
    ):
        load_settings_for(SchedulerSettings)


def test_every_settings_class_of_a_service_is_part_of_settings() -> None:
    for service_class in (SchedulerSettings, AggregatorSettings, MailerSettings, MonitorSettings):
        assert issubclass(Settings, service_class)
        assert set(service_class.model_fields) <= set(Settings.model_fields)


@pytest.mark.parametrize("variable", ["EVENTS_BASE_URL", "FRONTEND_URL"])
@pytest.mark.parametrize(
    "value",
    [
        "http://ops.sportify.example",
        "http://10.0.0.5:8000",
        "http://localhost.evil.example",
        "ftp://ops.sportify.example",
        "https://",
        "https://ops.sportify.example/?next=x",
        "https://user:pw@ops.sportify.example",
    ],
)
@pytest.mark.parametrize("service", [AggregatorSettings, MonitorSettings, MailerSettings])
def test_a_public_url_that_is_not_https_stops_every_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    service: type[AggregatorSettings | MonitorSettings | MailerSettings],
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError, match=f"{variable}: .*https"):
        load_settings_for(service)


@pytest.mark.parametrize(
    "value",
    ["http://localhost:8000", "http://LOCALHOST", "http://127.0.0.1:8000", "http://127.8.9.10",
     "http://[::1]:8000", "https://ops.sportify.example/base/"],
)  # fmt: skip
def test_https_or_a_loopback_host_is_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("EVENTS_BASE_URL", value)

    assert load_settings_for(MonitorSettings).monitor_base_url == value.rstrip("/")


def test_each_public_url_falls_back_to_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTEND_URL", "https://app.sportify.example")
    only_frontend = load_settings_for(AggregatorSettings)
    monkeypatch.setenv("EVENTS_BASE_URL", "https://ops.sportify.example")
    both = load_settings_for(AggregatorSettings)
    monkeypatch.delenv("FRONTEND_URL")
    only_events = load_settings_for(AggregatorSettings)
    monkeypatch.delenv("EVENTS_BASE_URL")
    neither = load_settings_for(AggregatorSettings)

    assert (only_frontend.monitor_base_url, only_frontend.button_base_url) == (
        "https://app.sportify.example",
        "https://app.sportify.example",
    )
    assert (both.monitor_base_url, both.button_base_url) == (
        "https://ops.sportify.example",
        "https://app.sportify.example",
    )
    assert only_events.button_base_url == "https://ops.sportify.example"
    assert neither.monitor_base_url == neither.button_base_url == "http://localhost:8000"
