"""Preview and test send (SPEC 12.3) through the monitor's API and the aggregator, in-process,
on real PostgreSQL and RabbitMQ.

A small scenario (friends, a pending request, goals, a challenge, an opted-out ranker, a user
without an address, a deleted friend and one created after the period): the preview of every
user is taken first, nothing may have been written, then the real run writes its rows and
requests its emails, and each preview must equal what the run wrote and requested.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import Period, month_of, week_of
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import ADMIN, running_monitor
from tests.support.factories import (
    Activity,
    befriend,
    insert_user,
    insert_workout,
    set_challenge,
    set_goal,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # the monitor's clock: a Wednesday
WEEK = week_of(date(2026, 2, 23), UTC)  # the last closed week
MONTH = month_of(date(2026, 2, 1), UTC)  # the last closed month
OUTPUT_TABLES = (
    "weekly_results",
    "monthly_results",
    "leaderboard_results",
    "user_badges",
    "awards",
    "job_runs",
    "email_queue",
    "audit_log",
)
RUN_COLUMNS = {"job_run_id", "created_at", "updated_at"}
TOKEN = re.compile(r"token=[A-Za-z0-9._%-]+")


async def scenario(engine: AsyncEngine) -> dict[str, UUID]:
    """Users of both periods; the week lies inside the month."""
    at = WEEK.start + timedelta(days=1, hours=7)
    users = {
        "anna": await insert_user(engine, display_name="Anna", locale="en"),
        "ben": await insert_user(engine, display_name="Ben"),
        "cara": await insert_user(engine, display_name="Cara", global_rankings=False),
        "dan": await insert_user(engine, display_name="Dan", email=None),
        "eve": await insert_user(engine, display_name="Eve", notifications=False),
        "finn": await insert_user(engine, display_name="Finn"),
        "gone": await insert_user(engine, display_name="Gone", deleted_at=WEEK.start),
        "late": await insert_user(engine, display_name="Late", created_at=MONTH.end + timedelta(1)),
        "solo": await insert_user(engine, display_name="Solo"),
    }
    for a, b in [
        ("anna", "ben"),
        ("ben", "cara"),
        ("cara", "anna"),
        ("anna", "dan"),
        ("dan", "eve"),
        ("anna", "gone"),
        ("finn", "late"),
    ]:
        await befriend(engine, users[a], users[b])
    await befriend(engine, users["ben"], users["anna"])  # accepted both ways
    await befriend(engine, users["eve"], users["anna"], status="pending")
    work: dict[str, list[Activity]] = {
        "anna": [("pushups", 120, 240), ("running", 12.5, 250)],
        "ben": [("pullups", 30, 300), ("situps", 80, 160)],
        "cara": [("cycling", 40, 400), ("yoga", 1, 50)],
        "dan": [("pushups", 50, 100)],
        "eve": [("pullups", 30, 300), ("yoga", 2, 60), ("pilates", 1, 40)],
        "gone": [("pushups", 500, 1000)],
        "solo": [("running", 5, 100)],
    }
    for name, activities in work.items():
        await insert_workout(engine, users[name], at, activities)
        await insert_workout(engine, users[name], at + timedelta(days=2), activities[:1])
    # Outside the week, inside the month: only the monthly figures change.
    await insert_workout(
        engine, users["ben"], MONTH.start + timedelta(days=2), [("pushups", 900, 1800)]
    )
    await insert_workout(engine, users["finn"], MONTH.start + timedelta(days=3), [])
    await set_goal(engine, users["anna"], "pushups", 100)
    await set_goal(engine, users["anna"], "points", 400)
    await set_goal(engine, users["ben"], "pullups", 50)
    await set_challenge(engine, "weekly", WEEK.first_day, 500)
    await set_challenge(engine, "monthly", MONTH.first_day, 1000)
    return users


async def table_fingerprint(engine: AsyncEngine) -> dict[str, str]:
    """Every row of every table a run or a test send writes, as one md5 per table."""
    prints: dict[str, str] = {}
    async with engine.connect() as conn:
        for table in OUTPUT_TABLES:
            result = await conn.execute(
                text(
                    f"select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from {table} t"
                )
            )
            prints[table] = str(result.scalar_one())
    return prints


def wire_row(row: dict[str, Any]) -> dict[str, Any]:
    """A results row as the preview's `result`: camelCase, numbers as JSON numbers."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in RUN_COLUMNS:
            continue
        head, *rest = key.split("_")
        name = head + "".join(part.title() for part in rest)
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC)
        elif isinstance(value, UUID):
            value = str(value)
        out[name] = value
    return out


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    out = dict(result)
    for key, value in out.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = float(value)
        elif isinstance(value, str) and key in {"weekStart", "weekEnd", "monthStart", "monthEnd"}:
            out[key] = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return out


async def results_of(engine: AsyncEngine, period: Period) -> dict[UUID, dict[str, Any]]:
    table, column = (
        ("weekly_results", "week_start")
        if period.kind.value == "weekly"
        else ("monthly_results", "month_start")
    )
    async with engine.connect() as conn:
        result = await conn.execute(
            text(f"select * from {table} where {column} = :start"),
            {"start": period.start},
        )
        return {row["user_id"]: dict(row) for row in result.mappings()}


def same_email(preview: dict[str, Any], requested: dict[str, Any]) -> None:
    """The preview's email is the requested one; only the unsubscribe token (signed with its
    own expiry instant) may differ."""
    assert preview["subject"] == requested["subject"]
    assert preview["recipient"] == requested["recipient"]
    assert preview["locale"] == requested["locale"]
    for field in ("bodyText", "bodyHtml"):
        assert TOKEN.sub("token=T", preview[field]) == TOKEN.sub("token=T", requested[field])
    assert {k: TOKEN.sub("token=T", v) for k, v in preview["headers"].items()} == {
        k: TOKEN.sub("token=T", v) for k, v in requested["headers"].items()
    }


async def previews(
    client: httpx.AsyncClient, path: str, param: dict[str, str], users: dict[str, UUID]
) -> dict[str, httpx.Response]:
    return {
        name: await client.get(
            f"/api/admin/preview/{path}", params={"userId": str(uid), **param}, headers=ADMIN
        )
        for name, uid in users.items()
    }


async def wait_queue_ready(client: httpx.AsyncClient, user: UUID) -> None:
    """The in-process aggregator reports startup before its subscribers are bound."""
    async with asyncio.timeout(20):
        while True:
            answer = await client.get(
                "/api/admin/preview/weekly", params={"userId": str(user)}, headers=ADMIN
            )
            if answer.status_code != 503 or answer.json()["error"] != "aggregator-unavailable":
                return
            await asyncio.sleep(0.2)


@pytest.mark.parametrize(
    ("period", "path", "param"),
    [(WEEK, "weekly", {"weekStart": "2026-02-23"}), (MONTH, "monthly", {"month": "2026-02"})],
    ids=["weekly", "monthly"],
)
async def test_the_preview_of_every_user_is_what_the_run_then_writes_and_requests(
    settings: Settings,
    engine: AsyncEngine,
    period: Period,
    path: str,
    param: dict[str, str],
) -> None:
    users = await scenario(engine)
    processed = {n: u for n, u in users.items() if n not in {"gone", "late"}}
    async with (
        running_aggregator(settings, engine) as aggregator,
        running_monitor(settings, clock=lambda: NOW) as (_monitor, client),
    ):
        await wait_queue_ready(client, users["anna"])
        before = await table_fingerprint(engine)
        answers = await previews(client, path, param, users)
        assert await table_fingerprint(engine) == before, "a preview wrote something"

        for name in ("gone", "late"):
            assert answers[name].status_code == 404, answers[name].text
            assert answers[name].json()["error"] == "not-found"
        for name in processed:
            assert answers[name].status_code == 200, (name, answers[name].text)

        await aggregator.run(period)
        written = await results_of(engine, period)
        assert set(written) == set(processed.values())
        for name, uid in processed.items():
            preview = answers[name].json()
            assert comparable(preview["result"]) == comparable(wire_row(written[uid])), name
            email = preview["email"]
            requested = aggregator.emails_to(uid)
            if name in {"dan", "eve"}:  # no address; notifications off
                assert requested == []
                assert email["skipReason"] in {"no-email-address", "email-notifications-disabled"}
            else:
                assert email["skipReason"] is None, name
                assert len(requested) == 1, name
                same_email(email, requested[0])
        # Sanity: the scenario ranks, earns and compares something.
        ranks = [r.get("leaderboard_rank") or r.get("rankings") for r in written.values()]
        assert any(ranks)
        assert any(r["badges_awarded"] for r in written.values())


async def test_a_test_send_goes_to_the_given_address_as_kind_test_and_leaves_the_real_summary_alone(
    settings: Settings, engine: AsyncEngine
) -> None:
    users = await scenario(engine)
    anna = users["anna"]
    async with (
        running_aggregator(settings, engine) as aggregator,
        running_monitor(settings, clock=lambda: NOW) as (_monitor, client),
    ):
        await wait_queue_ready(client, anna)
        preview = (
            await client.get(
                "/api/admin/preview/weekly",
                params={"userId": str(anna), "weekStart": "2026-02-23"},
                headers=ADMIN,
            )
        ).json()
        sent = await client.post(
            "/api/admin/preview/weekly/send",
            params={
                "userId": str(anna),
                "weekStart": "2026-02-23",
                "to": "qa@sportify.example",
                "reason": "copy review",
            },
            headers={**ADMIN, "X-Sportify-Actor": "ops-lena"},
        )
        assert sent.status_code == 202, sent.text
        [test_email] = await aggregator.wait_emails(1)
        assert test_email["kind"] == "test"
        assert test_email["recipient"] == "qa@sportify.example"
        assert test_email["subject"] == "[TEST] " + preview["email"]["subject"]
        assert test_email["idempotencyKey"] == sent.json()["idempotencyKey"]
        assert test_email["idempotencyKey"].startswith("test:")
        assert "List-Unsubscribe" not in test_email["headers"]
        assert TOKEN.sub("t", test_email["bodyText"]) == TOKEN.sub(
            "t", preview["email"]["bodyText"]
        )
        async with engine.connect() as conn:
            audit = (
                (
                    await conn.execute(
                        text("select actor, action, target, reason, details from audit_log")
                    )
                )
                .mappings()
                .all()
            )
        assert [(a["actor"], a["action"], a["reason"]) for a in audit] == [
            ("ops-lena", "preview.send-test", "copy review")
        ]
        assert audit[0]["details"]["to"] == "qa@sportify.example"
        assert str(anna) in audit[0]["target"]

        # A second test send is sent again (never deduplicated), and the real run still
        # requests Anna's real summary.
        again = await client.post(
            "/api/admin/preview/weekly/send",
            params={"userId": str(anna), "weekStart": "2026-02-23", "to": "qa@sportify.example"},
            headers=ADMIN,
        )
        assert again.status_code == 202
        assert again.json()["idempotencyKey"] != sent.json()["idempotencyKey"]
        await aggregator.wait_emails(2)
        await aggregator.store_requested_emails()
        await aggregator.run(WEEK)
        real = [e for e in aggregator.emails_to(anna) if e["kind"] == "weekly-summary"]
        assert len(real) == 1
        assert real[0]["recipient"] != "qa@sportify.example"


BAD_REQUESTS = [
    ("weekly", {"userId": "not-a-uuid"}, 400, "userId"),
    ("weekly", {"userId": str(uuid4()), "weekStart": "2026-02-24"}, 400, "not a Monday"),
    ("weekly", {"userId": str(uuid4()), "weekStart": "2026-03-02"}, 400, "has not ended"),
    ("monthly", {"userId": str(uuid4()), "month": "2026-13"}, 400, "not a valid month"),
    ("weekly", {"userId": str(uuid4())}, 404, "no user"),
    ("weekly/send", {"userId": str(uuid4()), "to": "not an address"}, 400, "email address"),
    ("weekly/send", {"userId": str(uuid4())}, 400, "to is required"),
]


async def test_bad_preview_requests_get_a_clear_error(
    settings: Settings, engine: AsyncEngine
) -> None:
    somebody = await insert_user(engine)
    async with (
        running_aggregator(settings, engine),
        running_monitor(settings, clock=lambda: NOW) as (_monitor, client),
    ):
        await wait_queue_ready(client, somebody)
        for path, params, status, needle in BAD_REQUESTS:
            method = client.post if path.endswith("send") else client.get
            answer = await method(f"/api/admin/preview/{path}", params=params, headers=ADMIN)
            assert answer.status_code == status, (path, params, answer.text)
            assert answer.json()["status"] == "error"
            assert needle in answer.json()["message"], (needle, answer.text)


async def test_without_an_aggregator_a_preview_answers_503_naming_it(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)
    async with running_monitor(settings, clock=lambda: NOW) as (_monitor, client):
        answer = await client.get(
            "/api/admin/preview/weekly", params={"userId": str(user)}, headers=ADMIN
        )
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "aggregator-unavailable"
    assert "no aggregator is running" in answer.json()["message"]
