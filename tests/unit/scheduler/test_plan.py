from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sportify_common.jobs.names import JobName
from sportify_scheduler.plan import slot_for

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_weekly_slot_targets_the_week_just_ended_and_is_keyed_by_its_end() -> None:
    fire = datetime(2026, 2, 8, 23, 5, tzinfo=UTC)  # Monday 2026-02-09 00:05 CET

    slot = slot_for(JobName.WEEKLY_EVENTS, fire, BERLIN)

    assert slot.period is not None
    assert slot.period.label == "2026-02-02"
    assert slot.scheduled_for == slot.period.end == datetime(2026, 2, 8, 23, tzinfo=UTC)


def test_a_monthly_slot_targets_the_month_just_ended() -> None:
    fire = datetime(2026, 3, 31, 22, 10, tzinfo=UTC)  # April 1st 00:10 CEST

    slot = slot_for(JobName.MONTHLY_EVENTS, fire, BERLIN)

    assert slot.period is not None
    assert slot.period.label == "2026-03"
    assert slot.scheduled_for == datetime(2026, 3, 31, 22, tzinfo=UTC)


def test_a_dispatch_slot_is_keyed_by_the_slot_instant() -> None:
    fire = datetime(2026, 2, 8, 23, 15, tzinfo=UTC)

    slot = slot_for(JobName.EMAILS_DISPATCH, fire, BERLIN)

    assert slot.period is None
    assert slot.scheduled_for == fire
