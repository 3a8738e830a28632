"""`sportify schedules [pause|resume JOB --note …]` against a real monitor served over HTTP: a
table for people, --json for scripts, exit 2 with the API's message on a 4xx."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.cli.test_admin_commands import (  # the served monitor and the runner
    cli_env as cli_env,
    monitor_url as monitor_url,
    run,
)

pytestmark = pytest.mark.integration


async def test_schedules_prints_a_table_of_every_job_and_json_for_scripts(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, table, _ = run(capsys, "schedules")
    json_code, answer, _ = run(capsys, "schedules", "--json")

    assert code == json_code == 0
    lines = table.splitlines()
    assert lines[0].split() == ["JOB", "CRON", "PAUSED", "NOTE", "CHANGED", "BY", "NEXT", "RUN"]
    assert [line.split()[0] for line in lines[1:]] == [
        "weekly-events",
        "monthly-events",
        "emails-dispatch",
        "cleanup",
        "retention",
    ]
    schedules = json.loads(answer)["schedules"]
    assert lines[3].split()[-1] == schedules[2]["nextRuns"][0]
    assert len(schedules[2]["nextRuns"]) == 5


async def test_pause_and_resume_change_the_state_once_and_are_audited_as_the_cli_user(
    cli_env: str, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    paused = run(capsys, "schedules", "pause", "weekly-events", "--note", "incident 7")
    again = run(capsys, "schedules", "pause", "weekly-events", "--note", "again")
    listed = run(capsys, "schedules")
    resumed = run(capsys, "schedules", "resume", "weekly-events", "--reason", "fixed", "--json")

    assert paused[:2] == (0, "weekly-events paused: paused\n")
    assert again[:2] == (0, "weekly-events was already paused; nothing changed\n")
    weekly = next(line for line in listed[1].splitlines() if line.startswith("weekly-events"))
    assert "yes" in weekly.split()
    assert "incident 7" in weekly
    assert weekly.split()[-1] == "-"
    assert resumed[0] == 0
    assert json.loads(resumed[1])["changed"] is True
    async with engine.connect() as conn:
        rows = (await conn.execute(text("select actor, action, reason from audit_log"))).all()
    assert sorted((action, reason) for _actor, action, reason in rows) == [
        ("schedule.pause", None),
        ("schedule.resume", "fixed"),
    ]
    assert all(actor.startswith("cli:") for actor, _action, _reason in rows)


async def test_an_unknown_job_exits_2_with_the_api_message(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "schedules", "pause", "weekly", "--note", "x")

    assert code == 2
    assert out == ""
    assert err.startswith("sportify: No scheduled job 'weekly'")
