"""Every route but the health, metrics, unsubscribe and schema routes demands a bearer token;
every ops console route (under /ops, SPEC 13) but its sign-in page and stylesheet a session.

The routes are enumerated from the app itself, so a new route without a guard fails here.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext, iter_route_contexts

from sportify_common.settings import Settings
from sportify_monitor.app import create_app
from sportify_monitor.deps import require_admin, require_cron
from tests.integration.fuzz.test_openapi_fuzz import fuzz_settings
from tests.integration.monitor.conftest import ADMIN, CRON, monitor_client

# Open by design: liveness/readiness/metrics for probes and Prometheus, the token-signed
# unsubscribe link, and the API description.
OPEN_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/unsubscribe",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
    }
)
CONSOLE = "/ops"
CONSOLE_OPEN = frozenset({"/ops/sign-in", "/ops/static"})
WRONG = {"Authorization": "Bearer wrong-token-for-tests"}
_PARAM = re.compile(r"\{[^}]+\}")


def open_paths(app: FastAPI) -> frozenset[str]:
    """OPEN_PATHS plus wherever this app actually serves its schema and docs."""
    served = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    return OPEN_PATHS | {path for path in served if path}


def _methods(route: RouteContext) -> list[str]:
    """A mount or other method-less route is probed with GET, so it cannot slip through."""
    methods: set[str] = set(route.methods or ()) - {"HEAD", "OPTIONS"}
    return sorted(methods) or ["GET"]


def guarded_routes(app: FastAPI) -> list[tuple[str, str, RouteContext]]:
    """(method, concrete path, route) for every route that must demand a token.

    FastAPI 0.165 includes routers lazily (`app.routes` holds `_IncludedRouter` entries);
    `iter_route_contexts` flattens them with their effective (prefixed) paths.
    """
    excluded = open_paths(app)
    found: list[tuple[str, str, RouteContext]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path in excluded or path.startswith(CONSOLE):
            continue
        concrete = _PARAM.sub(str(uuid4()), path)
        found.extend((method, concrete, route) for method in _methods(route))
    return found


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def right_token(route: RouteContext) -> dict[str, str]:
    dependant = getattr(route, "dependant", None)
    calls = set(_calls(dependant)) if isinstance(dependant, Dependant) else set()
    if require_cron in calls:
        return CRON
    if require_admin in calls:
        return ADMIN
    return {"Authorization": "Bearer route-has-no-guard"}


def console_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every console route that must demand a session."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path.startswith(CONSOLE) and path not in CONSOLE_OPEN:
            concrete = _PARAM.sub(str(uuid4()), path)
            found.extend((method, concrete) for method in _methods(route))
    return found


async def test_every_console_route_sends_a_person_without_a_session_to_sign_in(
    settings: Settings,
) -> None:
    routes = console_routes(create_app(fuzz_settings(settings)))
    assert ("POST", "/ops/sign-out") in routes  # the enumeration sees the console
    answers = {}
    async with monitor_client(fuzz_settings(settings)) as client:
        for method, path in routes:
            for label, headers in (("none", {}), ("bearer", ADMIN)):  # a token is no session
                response = await client.request(method, path, headers=headers)
                answers[(method, path, label)] = (
                    response.status_code,
                    response.headers.get("location"),
                )
    assert set(answers.values()) == {(303, "/ops/sign-in")}, answers


@pytest.fixture
def app_routes(settings: Settings) -> list[tuple[str, str, RouteContext]]:
    return guarded_routes(create_app(fuzz_settings(settings)))


def test_the_enumeration_sees_every_known_guarded_endpoint(
    app_routes: list[tuple[str, str, RouteContext]],
) -> None:
    seen = {(method, route.path) for method, _path, route in app_routes}

    assert {
        ("POST", "/api/events/weekly"),
        ("POST", "/api/events/monthly"),
        ("POST", "/api/events/emails/dispatch"),
        ("POST", "/api/events/cleanup"),
        ("POST", "/api/events/retention"),
        ("GET", "/api/admin/monitoring"),
        ("GET", "/api/admin/jobs"),
        ("GET", "/api/admin/jobs/{run_id}"),
        ("POST", "/api/admin/monitoring/cleanup-jobs"),
        ("POST", "/api/admin/monitoring/test-alert"),
        ("GET", "/api/admin/emails"),
        ("GET", "/api/admin/emails/{email_id}"),
        ("POST", "/api/admin/emails/requeue"),
        ("GET", "/api/admin/suppressions"),
        ("POST", "/api/admin/suppressions"),
        ("DELETE", "/api/admin/suppressions/{address}"),
        ("GET", "/api/admin/audit"),
        ("GET", "/api/admin/schedules"),
        ("POST", "/api/admin/schedules/{job_name}/pause"),
        ("POST", "/api/admin/schedules/{job_name}/resume"),
        ("GET", "/api/admin/dead-letters"),
        ("GET", "/api/admin/dead-letters/{queue}"),
        ("POST", "/api/admin/dead-letters/{queue}/replay"),
        ("POST", "/api/admin/dead-letters/{queue}/purge"),
        ("POST", "/api/admin/jobs/{run_id}/cancel"),
    } <= seen


def test_every_guarded_route_depends_on_the_cron_or_the_admin_guard(
    app_routes: list[tuple[str, str, RouteContext]],
) -> None:
    unguarded = [
        (method, path)
        for method, path, route in app_routes
        if right_token(route)["Authorization"].endswith("route-has-no-guard")
    ]

    assert unguarded == []


async def test_every_guarded_route_refuses_a_missing_or_wrong_token_and_takes_the_right_one(
    settings: Settings, app_routes: list[tuple[str, str, RouteContext]]
) -> None:
    answers: dict[tuple[str, str, str], int] = {}
    async with monitor_client(fuzz_settings(settings)) as client:
        for method, path, route in app_routes:
            for label, headers in (("none", {}), ("wrong", WRONG), ("right", right_token(route))):
                response = await client.request(method, path, headers=headers)
                answers[(method, path, label)] = response.status_code
                if response.status_code == 401:
                    assert response.json()["error"] == "unauthorized"

    refused = {key: status for key, status in answers.items() if key[2] != "right"}
    accepted = {key: status for key, status in answers.items() if key[2] == "right"}
    assert set(refused.values()) == {401}, refused
    assert all(status not in (401, 403) and status < 500 for status in accepted.values()), accepted


async def test_without_any_secret_every_guarded_route_answers_503(
    settings: Settings, app_routes: list[tuple[str, str, RouteContext]]
) -> None:
    closed = fuzz_settings(settings).model_copy(
        update={"cron_secret": None, "admin_api_token": None}
    )
    answers = {}
    async with monitor_client(closed) as client:
        for method, path, _route in app_routes:
            for label, headers in (("none", {}), ("any", WRONG), ("empty", {"Authorization": ""})):
                response = await client.request(method, path, headers=headers)
                answers[(method, path, label)] = (response.status_code, response.json()["error"])

    assert set(answers.values()) == {(503, "not-configured")}, answers


async def test_the_bearer_check_compares_in_constant_time(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(secrets, "compare_digest", spy)
    monkeypatch.setattr(hmac, "compare_digest", spy)
    same_length_wrong = "x" * len("cron-secret-for-tests")

    async with monitor_client(fuzz_settings(settings)) as client:
        wrong = await client.get(
            "/api/admin/jobs", headers={"Authorization": f"Bearer {same_length_wrong}"}
        )
        right = await client.get("/api/admin/jobs", headers=ADMIN)
        cron_wrong = await client.post(
            "/api/events/cleanup", headers={"Authorization": f"Bearer {same_length_wrong}"}
        )

    assert (wrong.status_code, right.status_code, cron_wrong.status_code) == (401, 200, 401)
    compared = [(bytes(a), bytes(b)) for a, b in calls]
    assert (same_length_wrong.encode(), b"admin-token-for-tests") in compared
    assert (b"admin-token-for-tests", b"admin-token-for-tests") in compared
    assert (same_length_wrong.encode(), b"cron-secret-for-tests") in compared
