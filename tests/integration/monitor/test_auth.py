"""Every events and admin endpoint demands its bearer token; none configured means 503."""

from __future__ import annotations

from uuid import uuid4

from pydantic import SecretStr

from sportify_common.settings import Settings
from tests.integration.monitor.conftest import ADMIN, CRON, monitor_client

CRON_ENDPOINTS = [
    ("POST", "/api/events/weekly"),
    ("POST", "/api/events/monthly"),
    ("POST", "/api/events/emails/dispatch"),
    ("POST", "/api/events/cleanup"),
]
ADMIN_ENDPOINTS = [
    ("GET", "/api/admin/monitoring"),
    ("GET", "/api/admin/jobs"),
    ("GET", f"/api/admin/jobs/{uuid4()}"),
    ("POST", "/api/admin/monitoring/cleanup-jobs"),
    ("POST", "/api/admin/monitoring/test-alert"),
]
ALL = CRON_ENDPOINTS + ADMIN_ENDPOINTS


def _quick(settings: Settings) -> Settings:
    return settings.model_copy(update={"events_trigger_wait_seconds": 0.2})


async def test_requests_without_credentials_are_refused_with_401(settings: Settings) -> None:
    async with monitor_client(_quick(settings)) as client:
        responses = [(path, await client.request(method, path)) for method, path in ALL]

    assert [(path, r.status_code) for path, r in responses] == [(path, 401) for _, path in ALL]
    assert all(
        r.json()["status"] == "error" and r.json()["error"] == "unauthorized" for _, r in responses
    )


async def test_wrong_or_malformed_tokens_are_refused_with_401(settings: Settings) -> None:
    headers = [
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic Y3Jvbi1zZWNyZXQtZm9yLXRlc3Rz"},
        {"Authorization": "cron-secret-for-tests"},
        {"Authorization": "Bearer " + "x" * 5000},
    ]
    async with monitor_client(_quick(settings)) as client:
        statuses = {
            (path, header["Authorization"][:12]): (
                await client.request(method, path, headers=header)
            ).status_code
            for method, path in ALL
            for header in headers
        }

    assert set(statuses.values()) == {401}


async def test_the_cron_secret_does_not_open_admin_endpoints_when_an_admin_token_is_set(
    settings: Settings,
) -> None:
    async with monitor_client(_quick(settings)) as client:
        statuses = [
            (await client.request(method, path, headers=CRON)).status_code
            for method, path in ADMIN_ENDPOINTS
        ]

    assert statuses == [401] * len(ADMIN_ENDPOINTS)


async def test_the_right_token_is_accepted(settings: Settings) -> None:
    async with monitor_client(_quick(settings)) as client:
        cron = [(await client.request(m, p, headers=CRON)).status_code for m, p in CRON_ENDPOINTS]
        admin = [
            (await client.request(m, p, headers=ADMIN)).status_code for m, p in ADMIN_ENDPOINTS
        ]

    assert 401 not in cron + admin
    assert 503 not in cron + admin


async def test_admin_endpoints_fall_back_to_the_cron_secret(settings: Settings) -> None:
    fallback = settings.model_copy(update={"admin_api_token": None})

    async with monitor_client(fallback) as client:
        response = await client.get("/api/admin/monitoring", headers=CRON)

    assert response.status_code == 200


async def test_without_configured_secrets_the_endpoints_answer_503(settings: Settings) -> None:
    closed = settings.model_copy(update={"cron_secret": None, "admin_api_token": None})

    async with monitor_client(closed) as client:
        responses = [
            await client.request(method, path, headers={"Authorization": "Bearer "})
            for method, path in ALL
        ] + [await client.request(method, path) for method, path in ALL]

    assert {r.status_code for r in responses} == {503}
    assert {r.json()["error"] for r in responses} == {"not-configured"}


async def test_secrets_never_appear_in_responses(settings: Settings) -> None:
    async with monitor_client(_quick(settings)) as client:
        bodies = [
            (await client.request(method, path, headers={"Authorization": "Bearer nope"})).text
            for method, path in ALL
        ]

    assert not any("cron-secret-for-tests" in b or "admin-token-for-tests" in b for b in bodies)
    assert isinstance(settings.cron_secret, SecretStr)
