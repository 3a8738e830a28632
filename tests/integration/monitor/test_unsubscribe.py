"""Unsubscribing end to end against the monitor app (SPEC 5, 12.6): the GET page changes
nothing, one-click POST stops the token's kind, the page's "all" stops every summary, the
next weekly run skips an opted-out user with `kind-opted-out`; bad tokens get a page or JSON."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import week_of
from sportify_common.settings import Settings
from sportify_common.tokens import sign_unsubscribe
from sportify_common.vocabulary import KIND_OPTED_OUT, EmailKind
from tests.integration.aggregator.harness import running_aggregator
from tests.integration.monitor.conftest import NOW, monitor_client
from tests.support.factories import insert_user

SECRET = "cron-secret-for-tests"  # the token secret falls back to the cron secret
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}
WEEKLY = EmailKind.WEEKLY_SUMMARY


def _token(user: UUID, kind: EmailKind | None = WEEKLY, *, days: float = 30) -> str:
    return sign_unsubscribe(user, SECRET, expires_at=NOW + timedelta(days=days), kind=kind)


async def _state(engine: AsyncEngine, user: UUID) -> tuple[Any, ...]:
    """The user's notifications switch and every email_preferences row of theirs."""
    async with engine.connect() as conn:
        enabled = (
            await conn.execute(
                text("select email_notifications_enabled from users where id = :id"), {"id": user}
            )
        ).scalar_one()
        rows = (
            await conn.execute(
                text(
                    "select kind, enabled, updated_at from email_preferences"
                    " where user_id = :id order by kind"
                ),
                {"id": user},
            )
        ).all()
    return enabled, [tuple(row) for row in rows]


async def test_the_get_page_asks_in_the_users_language_and_changes_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    german = await insert_user(engine, locale="de")
    english = await insert_user(engine, locale="en")
    before = [await _state(engine, german), await _state(engine, english)]

    async with monitor_client(settings) as client:
        de = await client.get("/api/unsubscribe", params={"token": _token(german)}, headers=HTML)
        en = await client.get(
            "/api/unsubscribe", params={"token": _token(english, EmailKind.MONTHLY_SUMMARY)}
        )

    assert [await _state(engine, german), await _state(engine, english)] == before
    assert before[0] == (True, [])
    assert (de.status_code, en.status_code) == (200, 200)
    assert de.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in de.text
    assert "Nur die Wochenzusammenfassung abbestellen" in de.text
    assert "Alle Zusammenfassungen abbestellen" in de.text
    assert de.text.count('method="post"') == 2
    assert '<html lang="en">' in en.text
    assert "Stop the monthly summary only" in en.text
    assert "Stop all summaries" in en.text
    assert "default-src 'none'" in de.headers["content-security-policy"]


async def test_one_click_post_opts_out_of_the_tokens_kind_only(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)

    async with monitor_client(settings) as client:
        response = await client.post(
            "/api/unsubscribe",
            params={"token": _token(user)},
            content="List-Unsubscribe=One-Click",
            headers=ONE_CLICK,
        )
        again = await client.post(
            "/api/unsubscribe",
            params={"token": _token(user)},
            content="List-Unsubscribe=One-Click",
            headers=ONE_CLICK,
        )

    assert (response.status_code, again.status_code) == (200, 200)
    assert response.json() == {
        "status": "ok",
        "unsubscribed": True,
        "message": "You won't get weekly summaries any more.",
    }
    enabled, rows = await _state(engine, user)
    assert enabled is True
    assert [(kind, on) for kind, on, _at in rows] == [(WEEKLY.value, False)]


async def test_the_pages_all_choice_turns_every_summary_off_and_confirms(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine, locale="en")

    async with monitor_client(settings) as client:
        response = await client.post(
            "/api/unsubscribe", params={"token": _token(user)}, data={"choice": "all"}
        )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "You won't get any more summaries from Sportify." in html.unescape(response.text)
    assert await _state(engine, user) == (False, [])


async def test_a_token_without_a_kind_from_an_older_email_stops_all_summaries(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine, locale="de")

    async with monitor_client(settings) as client:
        page = await client.get("/api/unsubscribe", params={"token": _token(user, None)})
        assert await _state(engine, user) == (True, [])
        response = await client.post("/api/unsubscribe", params={"token": _token(user, None)})

    assert "Alle Zusammenfassungen abbestellen" in page.text
    assert page.text.count('method="post"') == 1
    assert response.status_code == 200
    assert await _state(engine, user) == (False, [])


async def test_an_opted_out_kind_is_skipped_by_the_next_weekly_run(
    settings: Settings, engine: AsyncEngine
) -> None:
    opted_out = await insert_user(engine)
    still_in = await insert_user(engine)
    async with monitor_client(settings) as client:
        answer = await client.post("/api/unsubscribe", params={"token": _token(opted_out)})
    assert answer.status_code == 200

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(week_of(date(2026, 3, 9), settings.zone))
        emails = await harness.wait_emails(1)

    entries = {e["userId"]: e for e in finished["result"]["emailResults"]}
    assert entries[str(opted_out)] == {
        "userId": str(opted_out),
        "status": "skipped",
        "reason": KIND_OPTED_OUT,
    }
    assert entries[str(still_in)]["status"] == "queued"
    assert finished["result"]["emailSummary"]["skipped"] == {KIND_OPTED_OUT: 1}
    assert [e["userId"] for e in emails] == [str(still_in)]


@pytest.mark.parametrize("accept_html", [True, False])
async def test_an_expired_or_invalid_token_gets_a_page_or_the_json_error(
    settings: Settings, engine: AsyncEngine, accept_html: bool
) -> None:
    user = await insert_user(engine)
    expired = _token(user, days=-1)
    forged = sign_unsubscribe(user, "not-the-secret", expires_at=NOW + timedelta(days=1))
    headers = {**HTML, "Accept-Language": "en-GB,en;q=0.8"} if accept_html else {}

    async with monitor_client(settings) as client:
        responses = [
            await client.request(method, "/api/unsubscribe", params=params, headers=headers)
            for method in ("GET", "POST")
            for params in ({"token": expired}, {"token": forged}, {"token": "garbage"}, {})
        ]

    assert [r.status_code for r in responses] == [400] * 8
    assert await _state(engine, user) == (True, [])
    if accept_html:
        assert all(r.headers["content-type"].startswith("text/html") for r in responses)
        assert "This link has expired" in responses[0].text
        assert "This link doesn't work" in html.unescape(responses[1].text)
    else:
        assert all(r.json()["error"] == "invalid-token" for r in responses)
        assert "expired" in responses[0].json()["message"]


async def test_a_german_browser_gets_the_german_problem_page(settings: Settings) -> None:
    async with monitor_client(settings) as client:
        response = await client.get(
            "/api/unsubscribe",
            params={"token": "garbage"},
            headers={**HTML, "Accept-Language": "de-DE,de;q=0.9,en;q=0.8"},
        )

    assert response.status_code == 400
    assert "Dieser Link funktioniert nicht" in response.text


async def test_tampered_tokens_change_nothing(settings: Settings, engine: AsyncEngine) -> None:
    user = await insert_user(engine)
    other = await insert_user(engine)
    tampered = _token(user).replace(user.hex, other.hex)
    other_kind = _token(user).replace(".w.", ".m.")

    async with monitor_client(settings) as client:
        responses = [
            await client.post("/api/unsubscribe", params={"token": token})
            for token in (tampered, other_kind, "u2.x.w.y.z", "a" * 400)
        ]

    assert [r.status_code for r in responses] == [400] * 4
    assert await _state(engine, user) == (True, [])
    assert await _state(engine, other) == (True, [])


async def test_a_token_for_an_unknown_user_is_a_404(settings: Settings) -> None:
    async with monitor_client(settings) as client:
        response = await client.post("/api/unsubscribe", params={"token": _token(uuid4())})
        page = await client.get("/api/unsubscribe", params={"token": _token(uuid4())}, headers=HTML)

    assert response.status_code == 404
    assert response.json()["error"] == "not-found"
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


async def test_without_a_token_secret_unsubscribe_answers_503(settings: Settings) -> None:
    closed = settings.model_copy(update={"cron_secret": None, "unsubscribe_secret": None})

    async with monitor_client(closed) as client:
        response = await client.post("/api/unsubscribe", params={"token": "u1.a.b.c"})

    assert response.status_code == 503
