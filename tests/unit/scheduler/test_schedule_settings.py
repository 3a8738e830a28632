from __future__ import annotations

import pytest

from sportify_common.jobs.names import JobName
from sportify_common.scheduled_jobs import scheduled_jobs
from sportify_common.settings import SettingsError, load_settings
from sportify_scheduler.app import create_app


def test_the_default_schedule_is_the_one_in_the_spec() -> None:
    jobs = {job.name: job.cron.source for job in scheduled_jobs(load_settings())}

    assert jobs == {
        JobName.WEEKLY_EVENTS: "5 0 * * 1",
        JobName.MONTHLY_EVENTS: "10 0 1 * *",
        JobName.EMAILS_DISPATCH: "*/15 * * * *",
        JobName.CLEANUP: "0 2 * * *",
        JobName.RETENTION: "0 3 * * *",
    }


def test_a_malformed_schedule_stops_start_up_naming_the_variable() -> None:
    settings = load_settings(schedule_weekly_events="5 0 * *")

    with pytest.raises(SettingsError, match=r"SCHEDULE_WEEKLY_EVENTS: expected 5 fields"):
        create_app(settings)


def test_every_malformed_schedule_is_named_at_once() -> None:
    settings = load_settings(schedule_cleanup="0 25 * * *", schedule_emails_dispatch="*/0 * * * *")

    with pytest.raises(SettingsError) as raised:
        scheduled_jobs(settings)

    assert "SCHEDULE_CLEANUP: hour: 25 is outside 0-23" in str(raised.value)
    assert "SCHEDULE_EMAILS_DISPATCH" in str(raised.value)
