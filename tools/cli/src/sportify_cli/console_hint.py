"""Where the ops console is and how to sign in (printed by `sportify demo` and `sportify dev`).

It names the variable that holds the token, never the token itself."""

from __future__ import annotations

from sportify_cli.trigger import monitor_url
from sportify_common.settings import Settings


def console_url(settings: Settings) -> str:
    return f"{monitor_url(settings)}/ops/"


def sign_in_hint(settings: Settings, *, secret_made_up: bool = False) -> str:
    if settings.admin_api_token is not None:
        source = "the value of ADMIN_API_TOKEN"
    elif settings.cron_secret is not None and not secret_made_up:
        source = "the cron secret (EVENTS_CRON_SECRET or CRON_SECRET; ADMIN_API_TOKEN is not set)"
    else:
        return (
            "no admin token is set (this run made up a one-time cron secret): export "
            "ADMIN_API_TOKEN=<a secret of your own>, start `make dev`, and sign in with it"
        )
    return f"sign in with {source}; your name is optional and goes into the audit log"
