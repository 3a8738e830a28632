"""`sportify emails|suppressions|audit` against a real monitor served over HTTP (uvicorn in a
thread, PostgreSQL and RabbitMQ of the test): tables for people, --json for scripts, exit 2
with the API's message on a 4xx."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_cli.cli import main
from sportify_common.clock import utc_now
from sportify_common.settings import Settings
from sportify_common.vocabulary import EmailStatus
from sportify_monitor.app import create_app
from tests.integration.monitor.conftest import delete_monitor_topology
from tests.support.mail_admin_factories import audit_rows, insert_failed
from tests.support.mail_factories import T0, email_row, insert_emails
from tests.support.smtp import free_port

TOKEN = "admin-token-for-tests"


@pytest.fixture
async def monitor_url(settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    app = create_app(settings, clock=utc_now, gauge_refresh_seconds=0)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False
        )
    )
    thread = threading.Thread(target=server.run, name="monitor-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the monitor stopped while starting"
        assert time.monotonic() < deadline, "the monitor did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        await delete_monitor_topology(settings)


@pytest.fixture
def cli_env(monitor_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SPORTIFY_URL", monitor_url)
    monkeypatch.setenv("ADMIN_API_TOKEN", TOKEN)
    return monitor_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_emails_list_prints_an_aligned_table_and_json_for_scripts(
    engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await insert_failed(engine, 3, created_at=T0)

    code, table, _ = run(capsys, "emails", "list", "--status", "failed", "--limit", "2")
    json_code, text, _ = run(capsys, "emails", "list", "--status", "failed", "--json")

    assert code == json_code == 0
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "STATUS", "KIND", "RECIPIENT", "ATT", "ERROR"]
    assert len({line.index("failed") for line in lines[1:3]}) == 1  # one column
    assert lines[3].startswith("more: --cursor ")
    assert {e["id"] for e in json.loads(text)["emails"]} == {str(i) for i in ids}


async def test_emails_requeue_dry_run_then_for_real(
    engine: AsyncEngine, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    [failed] = await insert_failed(engine, 1, created_at=T0)
    await insert_emails(engine, 1, created_at=T0, status=EmailStatus.SENT)

    dry = run(capsys, "emails", "requeue", "--created-from", "2026-03-01", "--dry-run")
    real = run(
        capsys, "emails", "requeue", "--id", str(failed), "--reason", "relay fixed", "--json"
    )

    assert dry[0] == 0
    assert dry[1].startswith("1 of 2 matched emails would be requeued (dry run)")
    assert (real[0], json.loads(real[1])["requeued"]) == (0, 1)
    assert (await email_row(engine, failed))["status"] == "pending"
    [entry] = await audit_rows(engine)
    assert entry["actor"].startswith("cli:")
    assert entry["reason"] == "relay fixed"


async def test_suppressions_add_list_remove(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    added = run(capsys, "suppressions", "add", "Someone@Example.test", "--reason", "asked")
    listed = run(capsys, "suppressions", "list")
    removed = run(capsys, "suppressions", "remove", "someone@example.test")
    again = run(capsys, "suppressions", "remove", "someone@example.test")
    audit = run(capsys, "audit", "--json")

    assert added[:2] == (0, "suppressed someone@example.test until removed\n")
    assert listed[0] == 0
    assert listed[1].splitlines()[1].split()[:2] == ["someone@example.test", "operator"]
    assert removed[:2] == (0, "removed someone@example.test from the suppression list\n")
    assert again[0] == 2
    assert again[2] == "sportify: someone@example.test is not suppressed.\n"
    assert [e["action"] for e in json.loads(audit[1])["entries"]] == [
        "suppressions.remove",
        "suppressions.add",
    ]


async def test_bad_input_exits_2_with_the_apis_message(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_instant = run(capsys, "emails", "list", "--created-from", "yesterday")
    bad_id = run(capsys, "emails", "show", "12345")
    no_selection = run(capsys, "emails", "requeue")

    assert bad_instant[0] == 2
    assert "createdFrom must be an ISO-8601 instant" in bad_instant[2]
    assert (bad_id[0], bad_id[2]) == (2, "sportify: id must be a UUID, got '12345'\n")
    assert no_selection[0] == 2


async def test_the_sportify_command_runs_as_a_process(engine: AsyncEngine, cli_env: str) -> None:
    await insert_failed(engine, 2, created_at=T0)

    done = subprocess.run(  # noqa: ASYNC221 - the monitor serves from its own thread
        [sys.executable, "-m", "sportify_cli.cli", "emails", "list", "--json"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["emails"]) == 2


async def test_an_unreachable_monitor_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPORTIFY_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ADMIN_API_TOKEN", TOKEN)

    code, _, err = run(capsys, "audit")

    assert code == 1
    assert "is not reachable" in err
