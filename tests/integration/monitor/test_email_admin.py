"""GET /api/admin/emails, GET /api/admin/emails/{id}: filters, keyset paging, bodies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.vocabulary import EmailKind, EmailStatus
from tests.integration.monitor.conftest import ADMIN
from tests.support.mail_admin_factories import clear_bodies, insert_failed
from tests.support.mail_factories import T0, insert_emails


async def _walk(client: httpx.AsyncClient, limit: int, **params: str) -> list[dict[str, Any]]:
    seen: list[dict[str, object]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/admin/emails", params=query, headers=ADMIN)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["emails"])
        cursor = body["nextCursor"]
        if cursor is None:
            return seen
        assert len(body["emails"]) == limit


async def test_the_cursor_walks_every_row_exactly_once_newest_first(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    ids = []
    for hour in range(5):  # five rows share each instant: the id breaks the tie
        ids += await insert_emails(engine, 5, created_at=T0 + timedelta(hours=hour))

    walked = await _walk(client, 3)

    assert sorted(e["id"] for e in walked) == sorted(str(i) for i in ids)
    keys = [(e["createdAt"], e["id"]) for e in walked]
    assert keys == sorted(keys, reverse=True)


async def test_each_filter_selects_its_rows(engine: AsyncEngine, client: httpx.AsyncClient) -> None:
    sent = await insert_emails(engine, 2, created_at=T0, status=EmailStatus.SENT)
    failed = await insert_failed(engine, 2, created_at=T0 + timedelta(days=1))
    retried = await insert_failed(
        engine, 1, created_at=T0 + timedelta(days=2), failed_after_retries=True
    )
    alert = await insert_emails(
        engine, 1, kind=EmailKind.ALERT, created_at=T0, recipient="Ops@Example.TEST"
    )

    async def ids(**params: str) -> set[str]:
        return {str(e["id"]) for e in await _walk(client, 50, **params)}

    assert await ids(status="sent") == {str(i) for i in sent}
    assert await ids(status="failed") == {str(i) for i in failed + retried}
    assert await ids(kind="alert") == {str(i) for i in alert}
    assert await ids(recipient="ops@example.test") == {str(i) for i in alert}
    assert await ids(failedAfterRetries="true") == {str(i) for i in retried}
    assert await ids(createdFrom=(T0 + timedelta(days=1)).isoformat()) == {
        str(i) for i in failed + retried
    }
    assert await ids(createdFrom="2026-03-03", createdTo="2026-03-04") == {str(i) for i in failed}


async def test_an_entry_has_the_documented_keys(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await insert_failed(engine, 1, created_at=T0)

    body = (await client.get("/api/admin/emails", headers=ADMIN)).json()

    assert set(body) == {"emails", "nextCursor"}
    assert set(body["emails"][0]) == {
        "id", "recipient", "kind", "subject", "status", "attempts", "error",
        "failedAfterRetries", "createdAt", "sentAt", "nextAttemptAt",
    }  # fmt: skip
    assert body["emails"][0]["createdAt"] == "2026-03-02T08:00:00.000Z"
    assert body["nextCursor"] is None


async def test_bad_list_parameters_answer_400(client: httpx.AsyncClient) -> None:
    bad = [
        {"limit": "0"},
        {"limit": "501"},
        {"status": "lost"},
        {"kind": "spam"},
        {"cursor": "not-a-cursor"},
        {"cursor": "MjAyNi0wMy0wMlQwODowMDowMCswMDowMHxub3QtYS11dWlk"},  # an address-keyed one
        {"createdFrom": "yesterday"},
        {"createdFrom": "2026-03-04", "createdTo": "2026-03-01"},
        {"failedAfterRetries": "maybe"},
    ]

    answers = [await client.get("/api/admin/emails", params=p, headers=ADMIN) for p in bad]

    assert [a.status_code for a in answers] == [400] * len(bad), [a.text for a in answers]
    assert all(a.json()["status"] == "error" for a in answers)


async def test_one_email_has_its_bodies_and_headers(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    [email_id] = await insert_emails(engine, 1, created_at=T0)

    body = (await client.get(f"/api/admin/emails/{email_id}", headers=ADMIN)).json()["email"]

    assert (body["id"], body["bodyText"], body["bodyHtml"]) == (
        str(email_id),
        "text",
        "<p>html</p>",
    )
    assert body["headers"] == {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


async def test_bodies_cleared_by_retention_are_null(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    [email_id] = await insert_emails(engine, 1, created_at=T0, status=EmailStatus.SENT)
    await clear_bodies(engine, [email_id])

    body = (await client.get(f"/api/admin/emails/{email_id}", headers=ADMIN)).json()["email"]

    assert (body["bodyText"], body["bodyHtml"], body["headers"]) == (None, None, None)
    assert body["status"] == "sent"


async def test_an_unknown_email_is_404_and_a_malformed_id_400(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    async with engine.connect() as conn:
        unknown = (await conn.execute(text("select gen_random_uuid()"))).scalar_one()

    missing = await client.get(f"/api/admin/emails/{unknown}", headers=ADMIN)
    malformed = await client.get("/api/admin/emails/12345", headers=ADMIN)

    assert (missing.status_code, missing.json()["error"]) == (404, "not-found")
    assert (malformed.status_code, malformed.json()["error"]) == (400, "bad-request")
