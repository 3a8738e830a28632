"""`sportify preview weekly|monthly` against a real monitor over HTTP and an in-process
aggregator: the email for people, --json for scripts, --send-to for a test send, exit 2 with
the API's message on a 4xx."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_cli.cli import main
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings
from tests.integration.aggregator.harness import running_aggregator
from tests.support.factories import befriend, insert_user, insert_workout
from tests.support.mail_admin_factories import audit_rows

pytestmark = pytest.mark.integration


async def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The CLI in a thread: the in-process aggregator answers on this test's event loop."""
    code = await asyncio.to_thread(main, list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_preview_prints_the_email_json_and_sends_a_test(
    settings: Settings, engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    week = latest_closed(PeriodKind.WEEKLY, datetime.now(UTC), UTC)
    ida = await insert_user(engine, display_name="Ida Quist", locale="en")
    friend = await insert_user(engine, display_name="Jo")
    await befriend(engine, ida, friend)
    await insert_workout(engine, ida, week.start + timedelta(hours=9), [("pushups", 40, 80)])
    async with running_aggregator(settings, engine) as aggregator:
        for _ in range(100):  # its subscribers bind a moment after it reports startup
            code, shown, err = await run(capsys, "preview", "weekly", "--user", str(ida))
            if code == 0 or "no aggregator answered" not in err:
                break
        assert code == 0, err
        json_code, raw, _ = await run(
            capsys, "preview", "weekly", "--user", str(ida), "--week-start", week.label, "--json"
        )
        send_code, sent, send_err = await run(
            capsys, "preview", "weekly", "--user", str(ida), "--send-to", "qa@sportify.example",
            "--reason", "copy check",
        )  # fmt: skip
        bad_code, _, bad = await run(
            capsys, "preview", "weekly", "--user", str(ida), "--week-start", "2026-02-24"
        )
        [test_email] = await aggregator.wait_emails(1)

    answer = json.loads(raw)
    assert json_code == 0
    assert answer["result"]["totalPoints"] == 80
    assert answer["result"]["userId"] == str(ida)
    assert f"subject: {answer['email']['subject']}" in shown
    assert "totalPoints 80" in shown
    first_lines = "\n".join(answer["email"]["bodyText"].splitlines()[:3])
    assert first_lines in shown
    assert send_code == 0, send_err
    assert "qa@sportify.example" in sent
    assert test_email["kind"] == "test"
    assert test_email["subject"].startswith("[TEST] ")
    assert [(a["action"], a["reason"]) for a in await audit_rows(engine)] == [
        ("preview.send-test", "copy check")
    ]
    assert bad_code == 2
    assert "not a Monday" in bad
