"""The ops console in process (SPEC 13): sessions guard every page, actions write the same audit
row as their admin API, problems are pages for a person; against PostgreSQL and RabbitMQ."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings, load_settings
from tests.integration.monitor.conftest import ADMIN, monitor_client

pytestmark = pytest.mark.integration

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(client: httpx.AsyncClient, *, name: str = "Ana") -> str:
    """Sign in through the form; the CSRF token of the session's forms."""
    form = await client.get("/ops/sign-in")
    assert form.status_code == 200
    pre = TOKEN.search(form.text)
    assert pre is not None
    answer = await client.post(
        "/ops/sign-in",
        data={"csrf_token": pre.group(1), "token": "admin-token-for-tests", "name": name},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ops/"
    page = await client.get("/ops/schedules")
    assert page.status_code == 200
    token = TOKEN.search(page.text)
    assert token is not None
    return token.group(1)


async def test_every_page_needs_a_session(settings: Settings) -> None:
    async with monitor_client(settings) as client:
        for path in ("/ops/", "/ops/runs", "/ops/emails", "/ops/audit", "/ops/elsewhere"):
            answer = await client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/ops/sign-in"
        posted = await client.post("/ops/schedules/weekly-events/pause", data={"note": "x"})
        assert posted.status_code == 303
        assert posted.headers["location"] == "/ops/sign-in"


async def test_a_cookie_signed_with_another_secret_is_no_session(settings: Settings) -> None:
    other = load_settings(**{**settings.model_dump(), "ops_session_secret": SecretStr("other")})
    async with monitor_client(other) as client:
        await sign_in(client)
        stolen = dict(client.cookies)
    async with monitor_client(settings) as client:
        client.cookies.update(stolen)
        answer = await client.get("/ops/")
    assert answer.status_code == 303


async def test_a_console_pause_writes_the_audit_row_the_admin_api_writes(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with monitor_client(settings) as client:
        csrf = await sign_in(client, name="Ana")
        console = await client.post(
            "/ops/schedules/monthly-events/pause",
            data={"csrf_token": csrf, "note": "quarter close"},
        )
        assert console.status_code == 303
        resumed = await client.post(
            "/ops/schedules/monthly-events/resume", data={"csrf_token": csrf}
        )
        assert resumed.status_code == 303
        api = await client.post(
            "/api/admin/schedules/monthly-events/pause",
            json={"note": "quarter close"},
            headers={**ADMIN, "X-Sportify-Actor": "ana-cli"},
        )
        assert api.status_code == 200
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("select actor, action, target, details from audit_log"))
        ).all()
    # the monitor's clock is fixed, so the rows share one instant: compare them unordered
    assert sorted((r.actor, r.action, r.target, r.details["note"]) for r in rows) == [
        ("ana-cli", "schedule.pause", "monthly-events", "quarter close"),
        ("console:Ana", "schedule.pause", "monthly-events", "quarter close"),
        ("console:Ana", "schedule.resume", "monthly-events", ""),
    ]
    assert all(set(r.details) == {"note"} for r in rows)


async def test_suppressions_added_and_removed_in_the_console_are_audited(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with monitor_client(settings) as client:
        csrf = await sign_in(client)
        added = await client.post(
            "/ops/suppressions",
            data={"csrf_token": csrf, "address": "Bounce@Example.test", "reason": "asked us"},
        )
        assert added.status_code == 303
        listed = await client.get("/ops/suppressions")
        assert "bounce@example.test" in listed.text
        removed = await client.post(
            "/ops/suppressions/remove", data={"csrf_token": csrf, "address": "bounce@example.test"}
        )
        assert removed.status_code == 303
        again = await client.post(
            "/ops/suppressions/remove", data={"csrf_token": csrf, "address": "bounce@example.test"}
        )
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("text/html")
    assert "is not suppressed" in again.text
    async with engine.connect() as conn:
        actions = (await conn.execute(text("select action, target from audit_log"))).all()
    assert sorted(tuple(a) for a in actions) == [
        ("suppressions.add", "bounce@example.test"),
        ("suppressions.remove", "bounce@example.test"),
    ]


async def test_bad_input_is_a_page_never_json_nor_a_500(settings: Settings) -> None:
    async with monitor_client(settings) as client:
        csrf = await sign_in(client)
        answers = {
            "unknown job": await client.post(
                "/ops/schedules/no-such-job/pause", data={"csrf_token": csrf}
            ),
            "bad run id": await client.get("/ops/runs/not-a-uuid"),
            "bad filter": await client.get("/ops/runs?status=weird"),
            "bad cursor": await client.get("/ops/emails?cursor=%%%"),
            "bad backfill": await client.post(
                "/ops/backfills/plan",
                data={"csrf_token": csrf, "job_name": "weekly-events", "from": "x", "to": "y"},
            ),
            "no page": await client.get("/ops/nowhere"),
            "purge unconfirmed": await client.post(
                f"/ops/dead-letters/{settings.amqp_namespace}.monitor.jobs.cleanup.dlq/purge",
                data={"csrf_token": csrf, "confirm": "wrong"},
            ),
        }
    for what, answer in answers.items():
        assert answer.status_code in (400, 404), (what, answer.status_code, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html"), what
        assert "<h1>" in answer.text, what
