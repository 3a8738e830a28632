"""Hand-picked hostile inputs: each answers a 4xx with the SPEC error shape, never a 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings
from sportify_common.tokens import sign_unsubscribe
from tests.integration.fuzz.test_openapi_fuzz import fuzz_settings
from tests.integration.monitor.conftest import ADMIN, CRON, NOW, monitor_client
from tests.support.job_factories import insert_user, notifications_enabled


def fullwidth(text: str) -> str:
    """The same text with FULLWIDTH digits and letters (U+FF10...), which isdigit() accepts."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def arabic_indic(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0x0660) if c.isdigit() else c for c in text)


TOKEN_SECRET = "cron-secret-for-tests"  # the unsubscribe key falls back to the cron secret
TEN_KB = "2026-02-23" * 1024
NUL = "\x00"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with monitor_client(fuzz_settings(settings)) as http:
        yield http


@pytest.fixture
async def offset_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A zone east of UTC: the local first instant of year 1 lies before datetime.min."""
    east = fuzz_settings(settings).model_copy(update={"utc_offset_minutes": 60})
    async with monitor_client(east) as http:
        yield http


def assert_error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error", "message"}
    assert body["status"] == "error"
    assert body["error"]
    assert body["message"]
    return dict(body)


BAD_QUERIES = [
    pytest.param("/api/events/weekly", {"weekStart": TEN_KB}, CRON, id="10kB-weekStart"),
    pytest.param("/api/events/weekly", {"weekStart": "2026-02-23" + NUL}, CRON, id="nul-weekStart"),
    pytest.param("/api/events/weekly", {"weekStart": NUL * 10}, CRON, id="only-nul-weekStart"),
    pytest.param(
        "/api/events/weekly", {"weekStart": fullwidth("2026-02-23")}, CRON, id="fullwidth-week"
    ),
    pytest.param(
        "/api/events/weekly",
        {"weekStart": arabic_indic("2026-02-23")},
        CRON,
        id="arabic-digit-week",
    ),
    pytest.param("/api/events/weekly", {"weekStart": "9999-12-27"}, CRON, id="week-past-9999"),
    pytest.param("/api/events/weekly", {"weekStart": "0000-01-03"}, CRON, id="week-year-0"),
    pytest.param("/api/events/weekly", {"weekStart": "2026-02-23T00:00"}, CRON, id="week-datetime"),
    pytest.param("/api/events/weekly", {"force": NUL}, CRON, id="nul-force"),
    pytest.param("/api/events/weekly", {"force": "t" * 10_000}, CRON, id="10kB-force"),
    pytest.param("/api/events/monthly", {"month": "9999-99"}, CRON, id="month-9999-99"),
    pytest.param("/api/events/monthly", {"month": "9999-12"}, CRON, id="month-past-9999"),
    pytest.param("/api/events/monthly", {"month": "0000-01"}, CRON, id="month-year-0"),
    pytest.param(
        "/api/events/monthly", {"month": fullwidth("2025-12")}, CRON, id="fullwidth-month"
    ),
    pytest.param(
        "/api/events/monthly", {"month": "2025-1" + fullwidth("2")}, CRON, id="mixed-digit-month"
    ),
    pytest.param("/api/events/monthly", {"month": "2025-12" + NUL}, CRON, id="nul-month"),
    pytest.param("/api/events/monthly", {"month": "-2025-12"}, CRON, id="negative-month"),
    pytest.param("/api/events/monthly", {"month": TEN_KB}, CRON, id="10kB-month"),
    pytest.param("/api/events/emails/dispatch", {"limit": str(10**30)}, CRON, id="limit-1e30"),
    pytest.param(
        "/api/events/emails/dispatch", {"limit": "-" + "9" * 400}, CRON, id="limit-huge-neg"
    ),
    pytest.param(
        "/api/events/emails/dispatch", {"limit": arabic_indic("10")}, CRON, id="limit-arabic-digits"
    ),
    pytest.param(
        "/api/events/emails/dispatch", {"limit": fullwidth("25")}, CRON, id="limit-fullwidth"
    ),
    pytest.param("/api/events/emails/dispatch", {"limit": "1e3"}, CRON, id="limit-exponent"),
    pytest.param("/api/events/emails/dispatch", {"limit": "NaN"}, CRON, id="limit-nan"),
    pytest.param("/api/events/emails/dispatch", {"limit": "25" + NUL}, CRON, id="limit-nul"),
    pytest.param("/api/admin/jobs", {"limit": str(10**30)}, ADMIN, id="jobs-limit-1e30"),
    pytest.param("/api/admin/jobs", {"jobName": NUL}, ADMIN, id="jobs-nul-jobName"),
    pytest.param("/api/admin/jobs", {"status": "failed" + NUL}, ADMIN, id="jobs-nul-status"),
    pytest.param("/api/admin/jobs", {"jobName": "x" * 10_000}, ADMIN, id="jobs-10kB-jobName"),
    pytest.param(
        "/api/admin/jobs", {"status": fullwidth("FAILED")}, ADMIN, id="jobs-fullwidth-status"
    ),
]


def _method(path: str) -> str:
    return "GET" if path.startswith("/api/admin/jobs") else "POST"


@pytest.mark.parametrize(("path", "params", "headers"), BAD_QUERIES)
async def test_malformed_and_oversized_query_values_are_a_400(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = await client.request(_method(path), path, params=params, headers=headers)

    assert assert_error(response, 400)["error"] == "bad-request"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/api/events/monthly", {"month": "0001-01"}, id="month-year-1"),
        pytest.param("/api/events/weekly", {"weekStart": "0001-01-01"}, id="week-year-1"),
    ],
)
async def test_periods_starting_before_the_first_representable_instant_are_a_400(
    offset_client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await offset_client.post(path, params=params, headers=CRON)

    assert_error(response, 400)


@pytest.mark.parametrize(
    "run_id",
    [
        pytest.param(str(uuid4()), id="canonical"),
        pytest.param(str(uuid4()).upper(), id="upper-case"),
        pytest.param(uuid4().hex, id="hex-only"),
        pytest.param("{" + str(uuid4()) + "}", id="braces"),
    ],
)
async def test_an_unknown_but_valid_job_id_is_a_404(client: httpx.AsyncClient, run_id: str) -> None:
    response = await client.get(f"/api/admin/jobs/{run_id}", headers=ADMIN)

    assert assert_error(response, 404)["error"] == "not-found"


@pytest.mark.parametrize(
    "run_id",
    [
        pytest.param("not-a-uuid", id="word"),
        pytest.param(str(uuid4())[:-1], id="one-digit-short"),
        pytest.param(str(uuid4()) + "0", id="one-digit-long"),
        pytest.param("%00" * 16, id="nul-bytes"),
        pytest.param(fullwidth("1") * 32, id="fullwidth-digits"),
        pytest.param("a" * 10_000, id="10kB"),
        pytest.param("'%20or%201=1--", id="sql-ish"),
    ],
)
async def test_a_malformed_job_id_is_a_400(client: httpx.AsyncClient, run_id: str) -> None:
    response = await client.get(f"/api/admin/jobs/{run_id}", headers=ADMIN)

    assert assert_error(response, 400)["error"] == "bad-request"


async def test_a_tampered_unsubscribe_token_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user, victim = await insert_user(engine), await insert_user(engine)
    good = sign_unsubscribe(user, TOKEN_SECRET, expires_at=NOW + timedelta(days=30))
    payload, signature = good.rsplit(".", 1)
    tampered = [
        good.replace(user.hex, victim.hex),  # someone else's id under my signature
        payload + "." + signature[::-1],  # signature scrambled
        payload.replace(payload.split(".")[2], str(2**62)) + "." + signature,  # expiry pushed out
        good + NUL,
        good.replace("u1.", "u2.", 1),
        "u1." + NUL + ".1." + signature,
    ]

    responses = [
        await client.request(method, "/api/unsubscribe", params={"token": token})
        for token in tampered
        for method in ("GET", "POST")
    ]

    assert all(assert_error(r, 400)["error"] == "invalid-token" for r in responses)
    assert await notifications_enabled(engine, user) is True
    assert await notifications_enabled(engine, victim) is True


async def test_an_expired_unsubscribe_token_is_a_400(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)
    expired = sign_unsubscribe(user, TOKEN_SECRET, expires_at=NOW - timedelta(seconds=1))

    response = await client.post("/api/unsubscribe", params={"token": expired})

    assert "expired" in assert_error(response, 400)["message"]
    assert await notifications_enabled(engine, user) is True


async def test_an_unsubscribe_token_for_an_unknown_user_is_a_404(client: httpx.AsyncClient) -> None:
    token = sign_unsubscribe(uuid4(), TOKEN_SECRET, expires_at=NOW + timedelta(days=1))

    responses = [
        await client.request(method, "/api/unsubscribe", params={"token": token})
        for method in ("GET", "POST")
    ]

    assert all(assert_error(r, 404)["error"] == "not-found" for r in responses)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 600, id="over-512"),
        pytest.param("u1." + "a" * 500, id="long-malformed"),
    ],
)
async def test_missing_or_oversized_unsubscribe_tokens_are_a_400(
    client: httpx.AsyncClient, token: str
) -> None:
    response = await client.post("/api/unsubscribe", params={"token": token})

    assert_error(response, 400)
