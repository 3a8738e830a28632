"""POST /api/admin/emails/requeue: dry run first, only failed rows, the 10,000 confirmation,
one audit row per real requeue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.vocabulary import EmailStatus
from tests.integration.monitor.conftest import ADMIN, NOW
from tests.support.mail_admin_factories import (
    audit_rows,
    clear_bodies,
    insert_failed,
    insert_many_failed,
)
from tests.support.mail_factories import T0, email_row, email_rows, insert_emails

OPERATOR = {**ADMIN, "X-Sportify-Actor": "alice@ops"}


async def _requeue(
    client: httpx.AsyncClient, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/admin/emails/requeue", json=body, headers={**OPERATOR, **headers}
    )


async def test_a_dry_run_counts_and_changes_nothing(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    failed = await insert_failed(engine, 3, created_at=T0)
    sent = await insert_emails(engine, 2, created_at=T0, status=EmailStatus.SENT)
    before = await email_rows(engine)

    response = await _requeue(client, {"ids": [str(i) for i in failed + sent], "dryRun": True})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok", "dryRun": True, "matched": 5, "requeued": 3,
        "notFailed": 2, "bodyCleared": 0, "notFound": 0,
    }  # fmt: skip
    assert await email_rows(engine) == before
    assert await audit_rows(engine) == []


async def test_requeue_by_ids_puts_only_failed_rows_back_and_records_who_and_why(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    failed = await insert_failed(engine, 2, created_at=T0, failed_after_retries=True)
    sent = await insert_emails(engine, 1, created_at=T0, status=EmailStatus.SENT)
    skipped = await insert_emails(engine, 1, created_at=T0, status=EmailStatus.SKIPPED)
    cleared = await insert_failed(engine, 1, created_at=T0)
    await clear_bodies(engine, cleared)
    ids = [str(i) for i in failed + sent + skipped + cleared]

    response = await _requeue(client, {"ids": ids, "dryRun": False, "reason": "relay fixed"})

    assert response.json() == {
        "status": "ok", "dryRun": False, "matched": 5, "requeued": 2,
        "notFailed": 2, "bodyCleared": 1, "notFound": 0,
    }  # fmt: skip
    for email_id in failed:
        row = await email_row(engine, email_id)
        assert (row["status"], row["attempts"], row["failed_after_retries"]) == (
            "pending",
            0,
            False,
        )
        assert row["next_attempt_at"] == NOW
        assert row["error"] == "permanent: 550 no"  # kept until the next attempt's outcome
    assert (await email_row(engine, sent[0]))["status"] == "sent"
    assert (await email_row(engine, skipped[0]))["status"] == "skipped"
    assert (await email_row(engine, cleared[0]))["status"] == "failed"
    [entry] = await audit_rows(engine)
    assert (entry["actor"], entry["action"], entry["reason"]) == (
        "alice@ops",
        "emails.requeue",
        "relay fixed",
    )
    assert entry["details"]["requeued"] == 2
    assert entry["details"]["ids"] == ids


async def test_requeue_by_filter_never_touches_sent_or_skipped_rows(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    failed = await insert_failed(engine, 2, created_at=T0 + timedelta(days=1))
    await insert_failed(engine, 1, created_at=T0)  # before createdFrom
    await insert_emails(engine, 2, created_at=T0 + timedelta(days=1), status=EmailStatus.SENT)
    await insert_emails(engine, 1, created_at=T0 + timedelta(days=1), status=EmailStatus.SKIPPED)

    everything = await _requeue(client, {"filter": {"status": "sent"}})
    window = await _requeue(client, {"filter": {"createdFrom": "2026-03-03"}}, reason="x")

    assert (everything.json()["matched"], everything.json()["requeued"]) == (2, 0)
    assert window.json()["matched"] == 5
    assert window.json()["requeued"] == 2
    statuses = {str(r["id"]): r["status"] for r in await email_rows(engine)}
    assert sorted(statuses.values()) == ["failed", "pending", "pending", "sent", "sent", "skipped"]
    assert {statuses[str(i)] for i in failed} == {"pending"}
    [entry] = await audit_rows(engine)  # the first requeue changed nothing
    assert entry["details"]["filter"] == {"createdFrom": "2026-03-03T00:00:00+00:00"}
    assert entry["target"] == "filter createdFrom=2026-03-03T00:00:00+00:00"


async def test_more_than_10000_rows_need_confirm(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await insert_many_failed(engine, 10_001, created_at=T0)

    dry = await _requeue(client, {"filter": {"status": "failed"}, "dryRun": True})
    refused = await _requeue(client, {"filter": {"status": "failed"}})
    confirmed = await _requeue(client, {"filter": {"status": "failed"}, "confirm": True})

    assert (dry.status_code, dry.json()["requeued"]) == (200, 10_001)
    assert (refused.status_code, refused.json()["error"]) == (409, "confirmation-required")
    assert "10,001" in refused.json()["message"]
    assert (confirmed.status_code, confirmed.json()["requeued"]) == (200, 10_001)
    assert len(await audit_rows(engine)) == 1


async def test_unknown_ids_are_counted_and_bad_bodies_answer_400(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    [failed] = await insert_failed(engine, 1, created_at=T0)
    unknown = "00000000-0000-4000-8000-000000000000"

    counted = await _requeue(client, {"ids": [str(failed), unknown, unknown]})
    bad: list[dict[str, Any]] = [
        {"ids": [str(failed)], "filter": {}},
        {},
        {"ids": []},
        {"ids": ["nope"]},
        {"filter": {"status": "lost"}},
        {"filter": {"createdFrom": "soon"}},
        {"ids": [str(failed)], "dryrun": True},
        {"ids": [str(failed)], "reason": "r" * 201},
    ]
    answers = [await _requeue(client, body) for body in bad]
    long_actor = await _requeue(client, {"ids": [unknown]}, **{"X-Sportify-Actor": "a" * 201})

    assert (counted.json()["requeued"], counted.json()["notFound"]) == (1, 1)
    assert [a.status_code for a in answers] == [400] * len(bad), [a.text for a in answers]
    assert long_actor.status_code == 400


async def test_the_requeued_counter_counts_real_requeues_only(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    ids = [str(i) for i in await insert_failed(engine, 3, created_at=T0)]

    await _requeue(client, {"ids": ids, "dryRun": True})
    await _requeue(client, {"ids": ids})
    metrics = (await client.get("/metrics")).text

    assert "sportify_emails_requeued_total 3.0" in metrics


async def test_without_the_actor_header_the_actor_is_the_admin_token(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    [failed] = await insert_failed(engine, 1, created_at=T0)

    await client.post(
        "/api/admin/emails/requeue",
        json={"ids": [str(failed)]},
        params={"reason": "q"},
        headers=ADMIN,
    )

    [entry] = await audit_rows(engine)
    assert (entry["actor"], entry["reason"], entry["target"]) == ("admin-token", "q", str(failed))
