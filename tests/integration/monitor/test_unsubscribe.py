"""One-click unsubscribe with signed tokens: valid, tampered, expired, unknown user."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings
from sportify_common.tokens import sign_unsubscribe
from tests.integration.monitor.conftest import NOW, monitor_client
from tests.support.job_factories import insert_user, notifications_enabled

SECRET = "cron-secret-for-tests"  # the token secret falls back to the cron secret


async def test_a_valid_token_turns_notifications_off(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)
    token = sign_unsubscribe(user, SECRET, expires_at=NOW + timedelta(days=30))

    async with monitor_client(settings) as client:
        response = await client.post("/api/unsubscribe", params={"token": token})

    assert response.status_code == 200
    assert response.json()["unsubscribed"] is True
    assert await notifications_enabled(engine, user) is False


async def test_the_get_link_shows_a_confirmation_page(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)
    token = sign_unsubscribe(user, SECRET, expires_at=NOW + timedelta(days=30))

    async with monitor_client(settings) as client:
        response = await client.get("/api/unsubscribe", params={"token": token})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Unsubscribed" in response.text
    assert await notifications_enabled(engine, user) is False


async def test_tampered_forged_or_malformed_tokens_change_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    user = await insert_user(engine)
    other = await insert_user(engine)
    good = sign_unsubscribe(user, SECRET, expires_at=NOW + timedelta(days=30))
    tampered = good.replace(user.hex, other.hex)
    forged = sign_unsubscribe(other, "not-the-secret", expires_at=NOW + timedelta(days=30))

    async with monitor_client(settings) as client:
        responses = [
            await client.post("/api/unsubscribe", params={"token": token})
            for token in (tampered, forged, "garbage", "u1.x.y.z", "a" * 400)
        ]

    assert [r.status_code for r in responses] == [400] * 5
    assert all(r.json()["status"] == "error" for r in responses)
    assert await notifications_enabled(engine, user) is True
    assert await notifications_enabled(engine, other) is True


async def test_an_expired_token_is_refused(settings: Settings, engine: AsyncEngine) -> None:
    user = await insert_user(engine)
    token = sign_unsubscribe(user, SECRET, expires_at=NOW - timedelta(seconds=1))

    async with monitor_client(settings) as client:
        response = await client.post("/api/unsubscribe", params={"token": token})

    assert response.status_code == 400
    assert "expired" in response.json()["message"]
    assert await notifications_enabled(engine, user) is True


async def test_a_token_for_an_unknown_user_is_a_404(settings: Settings) -> None:
    token = sign_unsubscribe(uuid4(), SECRET, expires_at=NOW + timedelta(days=1))

    async with monitor_client(settings) as client:
        response = await client.post("/api/unsubscribe", params={"token": token})

    assert response.status_code == 404


async def test_without_a_token_secret_unsubscribe_answers_503(settings: Settings) -> None:
    closed = settings.model_copy(update={"cron_secret": None, "unsubscribe_secret": None})

    async with monitor_client(closed) as client:
        response = await client.post("/api/unsubscribe", params={"token": "u1.a.b.c"})

    assert response.status_code == 503
