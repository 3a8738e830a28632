"""What `sportify demo` and `sportify dev` say about the ops console: its URL and which
variable holds the sign-in token, never the token."""

from __future__ import annotations

from pydantic import SecretStr

from sportify_cli.console_hint import console_url, sign_in_hint
from sportify_common.settings import load_settings


def test_the_url_is_the_monitors_with_ops() -> None:
    settings = load_settings(monitor_host="0.0.0.0", monitor_port=8123)  # noqa: S104
    assert console_url(settings) == "http://127.0.0.1:8123/ops/"


def test_the_hint_names_the_variable_never_the_secret() -> None:
    admin = load_settings(admin_api_token=SecretStr("s3cret-admin"), cron_secret=None)
    cron = load_settings(admin_api_token=None, cron_secret=SecretStr("s3cret-cron"))
    assert "ADMIN_API_TOKEN" in sign_in_hint(admin)
    assert "s3cret" not in sign_in_hint(admin)
    assert "cron secret" in sign_in_hint(cron)
    assert "s3cret" not in sign_in_hint(cron)
    made_up = sign_in_hint(
        load_settings(admin_api_token=None, cron_secret=None), secret_made_up=True
    )
    assert "export ADMIN_API_TOKEN" in made_up
