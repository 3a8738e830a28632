"""`sportify runs list|show|cancel` and `sportify dead-letters list|peek|replay|purge` against
a real monitor over HTTP: tables for people, --json for scripts, exit 2 with the API's message
on a 4xx."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.settings import Settings
from tests.integration.cli.test_admin_commands import run
from tests.integration.monitor.test_dead_letters_admin import dead_letter_poison
from tests.support.job_factories import insert_job_run

pytestmark = pytest.mark.integration


async def test_runs_list_and_show_print_tables_and_json(
    engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = utc_now()
    failed = await insert_job_run(
        engine, job_name="weekly-events", status="failed", scheduled_for=now, created_at=now,
        started_at=now, completed_at=now,
        metadata={"trigger": "cron", "attempt": 1, "error": {"type": "cancelled", "message": "x"}},
    )  # fmt: skip
    await insert_job_run(
        engine, job_name="cleanup", status="completed", scheduled_for=now, created_at=now
    )

    code, table, _ = run(capsys, "runs", "list", "--job", "weekly-events")
    json_code, listed, _ = run(capsys, "runs", "list", "--status", "completed", "--json")
    show_code, shown, _ = run(capsys, "runs", "show", str(failed))

    assert code == json_code == show_code == 0
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["ID", "JOB", "SCHEDULED"]
    assert len(lines) == 2
    assert str(failed) in lines[1]
    assert "failed" in lines[1]
    assert [j["jobName"] for j in json.loads(listed)["jobs"]] == ["cleanup"]
    assert f"id: {failed}" in shown
    assert "error: cancelled: x" in shown


async def test_runs_cancel_of_a_run_that_is_not_running_exits_2_with_the_apis_message(
    engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = utc_now()
    done = await insert_job_run(
        engine, job_name="weekly-events", status="completed", scheduled_for=now, created_at=now
    )

    code, _, err = run(capsys, "runs", "cancel", str(done), "--reason", "too late")
    unknown_code, _, unknown = run(capsys, "runs", "cancel", "not-a-uuid")

    assert code == 2
    assert "is completed, not running" in err
    assert unknown_code == 2
    assert "id must be a UUID" in unknown


async def test_dead_letters_list_peek_replay_purge(
    settings: Settings, engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dlq = await dead_letter_poison(settings)

    list_code, listing, _ = run(capsys, "dead-letters", "list")
    peek_code, peeked, _ = run(capsys, "dead-letters", "peek", dlq, "--limit", "2")
    json_code, peek_json, _ = run(capsys, "dead-letters", "peek", dlq, "--json")
    replay_code, replayed, _ = run(capsys, "dead-letters", "replay", dlq, "--limit", "1")
    refused_code, _, refused = run(capsys, "dead-letters", "purge", dlq)
    purge_code, purged, _ = run(capsys, "dead-letters", "purge", dlq, "--yes", "--reason", "junk")
    foreign_code, _, foreign = run(capsys, "dead-letters", "peek", "elsewhere.dlq")

    assert list_code == peek_code == json_code == replay_code == purge_code == 0
    assert listing.splitlines()[0].split() == ["QUEUE", "DEPTH"]
    assert any(line.split() == [dlq, "3"] for line in listing.splitlines())
    assert peeked.splitlines()[0] == f"{dlq}: 3 messages, the first 2 (left in place)"
    assert "{not json" in peeked
    assert "jobs.cleanup" in peeked
    assert len(json.loads(peek_json)["messages"]) == 3
    assert replayed.strip() == f"replayed 1 messages of {dlq}"
    assert refused_code == 2
    assert "--yes" in refused
    # the replayed poison message is refused again: back in the DLQ by now, or about to be
    assert purged.strip() in {f"purged {n} messages of {dlq}" for n in (2, 3)}
    assert foreign_code == 2
    assert "not a dead-letter queue of this namespace" in foreign
    async with engine.connect() as conn:
        actions = (
            await conn.execute(text("select action, actor from audit_log order by at"))
        ).all()
    assert [a for a, _ in actions] == ["dead-letters.replay", "dead-letters.purge"]
    assert all(actor.startswith("cli:") for _, actor in actions)
