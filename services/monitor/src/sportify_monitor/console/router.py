"""Mounts the console on the monitor's app: its pages under /ops and its stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from sportify_monitor.console.pages import (
    audit,
    auth,
    dead_letters,
    emails,
    not_found,
    overview,
    preview,
    runs,
    schedules,
)
from sportify_monitor.console.web import PREFIX


def install_console(app: FastAPI) -> None:
    app.mount(
        f"{PREFIX}/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="console-static",
    )
    for page in (auth, overview, runs, schedules, emails, dead_letters, preview, audit, not_found):
        app.include_router(page.router)
