"""A summary for an address on the suppression list is not requested (SPEC 4.3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.periods import week_of
from sportify_common.settings import Settings
from sportify_common.vocabulary import ADDRESS_SUPPRESSED
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import insert_user

pytestmark = pytest.mark.integration


async def suppress(engine: AsyncEngine, address: str, *, expires_at: datetime | None) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "insert into email_suppressions (address, reason, source, expires_at)"
                " values (:a, '550 5.1.1 No such user', 'bounce', :e)"
            ),
            {"a": address, "e": expires_at},
        )


async def test_a_suppressed_address_gets_no_summary_and_reads_address_suppressed(
    settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(date(2026, 3, 9), settings.zone)
    now = datetime.now(UTC)
    bounced = await insert_user(engine, email="Bounced@Example.test")
    blocked = await insert_user(engine, email="blocked@example.test")
    expired = await insert_user(engine, email="back@example.test")
    fine = await insert_user(engine, email="fine@example.test")
    await suppress(engine, "bounced@example.test", expires_at=now + timedelta(days=30))
    await suppress(engine, "blocked@example.test", expires_at=None)
    await suppress(engine, "back@example.test", expires_at=now - timedelta(minutes=1))

    async with running_aggregator(settings, engine) as harness:
        finished = await harness.run(period)
        emails = await harness.wait_emails(2)

    result = finished["result"]
    entries = {e["userId"]: e for e in result["emailResults"]}
    assert result["emailSummary"] == {"queued": 2, "skipped": {ADDRESS_SUPPRESSED: 2}}
    for user in (bounced, blocked):
        assert entries[str(user)] == {
            "userId": str(user),
            "status": "skipped",
            "reason": ADDRESS_SUPPRESSED,
        }
    assert {entries[str(u)]["status"] for u in (expired, fine)} == {"queued"}
    assert sorted(e["recipient"] for e in emails) == ["back@example.test", "fine@example.test"]
