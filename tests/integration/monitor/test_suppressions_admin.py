"""/api/admin/suppressions: list (active by default), operator add over a bounce entry, remove;
each change one audit row; the gauge counts entries not expired."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.monitor.conftest import ADMIN, NOW
from tests.support.mail_admin_factories import audit_rows, insert_suppression

OPERATOR = {**ADMIN, "X-Sportify-Actor": "bob"}


async def test_an_operator_entry_is_lower_cased_and_never_expires(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/api/admin/suppressions",
        json={"address": " Someone@Example.TEST ", "reason": "asked by phone"},
        headers=OPERATOR,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["suppression"] == {
        "address": "someone@example.test", "reason": "asked by phone", "source": "operator",
        "emailId": None, "createdAt": "2026-03-04T12:00:00.000Z", "expiresAt": None,
        "active": True,
    }  # fmt: skip
    assert body["replaced"] is None
    [entry] = await audit_rows(engine)
    assert (entry["actor"], entry["action"], entry["target"], entry["reason"]) == (
        "bob",
        "suppressions.add",
        "someone@example.test",
        "asked by phone",
    )


async def test_an_operator_entry_replaces_a_bounce_entry(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await insert_suppression(
        engine, "gone@example.test", source="bounce", created_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=29),
    )  # fmt: skip

    body = (
        await client.post(
            "/api/admin/suppressions",
            json={"address": "GONE@example.test", "reason": "keep it off"},
            headers=OPERATOR,
        )
    ).json()
    listed = (await client.get("/api/admin/suppressions", headers=ADMIN)).json()

    assert (body["suppression"]["source"], body["suppression"]["expiresAt"]) == ("operator", None)
    assert body["replaced"]["source"] == "bounce"
    assert [s["address"] for s in listed["suppressions"]] == ["gone@example.test"]


async def test_the_list_shows_active_entries_unless_expired_ones_are_asked_for(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    for i in range(4):
        await insert_suppression(
            engine, f"active{i}@example.test", source="bounce",
            created_at=NOW - timedelta(hours=i), expires_at=NOW + timedelta(days=1),
        )  # fmt: skip
    await insert_suppression(
        engine, "old@example.test", source="bounce", created_at=NOW - timedelta(days=40),
        expires_at=NOW - timedelta(days=10),
    )  # fmt: skip
    await insert_suppression(
        engine, "manual@example.test", source="operator", created_at=NOW - timedelta(days=90),
        expires_at=None,
    )  # fmt: skip

    async def walk(**params: str) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            query = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
            body = (await client.get("/api/admin/suppressions", params=query, headers=ADMIN)).json()
            seen += [s["address"] for s in body["suppressions"]]
            if (cursor := body["nextCursor"]) is None:
                return seen

    assert await walk() == [
        "active0@example.test", "active1@example.test", "active2@example.test",
        "active3@example.test", "manual@example.test",
    ]  # fmt: skip
    assert "old@example.test" in await walk(includeExpired="true")
    assert await walk(source="operator") == ["manual@example.test"]
    assert await walk(address="ACTIVE2@example.test") == ["active2@example.test"]
    metrics = (await client.get("/metrics")).text
    assert "sportify_email_suppressions 5.0" in metrics


async def test_remove_deletes_the_entry_and_a_second_remove_is_404(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await insert_suppression(
        engine, "gone@example.test", source="bounce", created_at=NOW, expires_at=None
    )

    first = await client.delete(
        "/api/admin/suppressions/Gone@Example.test", params={"reason": "mailbox is back"},
        headers=OPERATOR,
    )  # fmt: skip
    second = await client.delete("/api/admin/suppressions/gone@example.test", headers=OPERATOR)

    assert (first.status_code, first.json()["removed"]["address"]) == (200, "gone@example.test")
    assert (second.status_code, second.json()["error"]) == (404, "not-found")
    [entry] = await audit_rows(engine)
    assert (entry["action"], entry["target"], entry["reason"]) == (
        "suppressions.remove",
        "gone@example.test",
        "mailbox is back",
    )


async def test_bad_suppression_input_answers_400(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post("/api/admin/suppressions", json=body, headers=ADMIN)
        for body in (
            {"address": "no-at-sign", "reason": "x"},
            {"address": "a@b.test"},
            {"address": "a@b.test", "reason": ""},
            {"address": "a b@c.test", "reason": "x"},
            {"address": "a@b.test", "reason": "x", "source": "bounce"},
        )
    ]
    answers.append(await client.delete("/api/admin/suppressions/no-at-sign", headers=ADMIN))
    answers.append(await client.get("/api/admin/suppressions?source=spam", headers=ADMIN))
    answers.append(await client.get("/api/admin/suppressions?limit=501", headers=ADMIN))

    assert [a.status_code for a in answers] == [400] * len(answers), [a.text for a in answers]


async def test_the_audit_list_pages_newest_first_and_filters_by_action(
    client: httpx.AsyncClient,
) -> None:
    for i in range(3):
        await client.post(
            "/api/admin/suppressions", json={"address": f"a{i}@x.test", "reason": "r"},
            headers=OPERATOR,
        )  # fmt: skip
    await client.delete("/api/admin/suppressions/a1@x.test", headers=OPERATOR)

    first = (await client.get("/api/admin/audit?limit=3", headers=ADMIN)).json()
    rest = (
        await client.get(f"/api/admin/audit?limit=3&cursor={first['nextCursor']}", headers=ADMIN)
    ).json()
    removes = (
        await client.get("/api/admin/audit?action=suppressions.remove", headers=ADMIN)
    ).json()

    ids = [e["id"] for e in first["entries"] + rest["entries"]]
    assert len(ids) == len(set(ids)) == 4
    assert rest["nextCursor"] is None
    assert [e["target"] for e in removes["entries"]] == ["a1@x.test"]
    assert set(removes["entries"][0]) == {
        "id", "at", "actor", "action", "target", "reason", "details"
    }  # fmt: skip
    bad = await client.get("/api/admin/audit?cursor=zzz", headers=ADMIN)
    assert bad.status_code == 400
