"""`sportify backfill …` against a real monitor over HTTP (no aggregator: a started backfill
waits on its first run, so it can be shown and cancelled)."""

from __future__ import annotations

import json

import pytest

from tests.integration.cli.test_admin_commands import cli_env, monitor_url, run

__all__ = ["cli_env", "monitor_url"]  # the fixtures, used by name


def test_a_dry_run_prints_the_period_table(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "backfill", "weekly", "--from", "2026-01-05", "--to", "2026-01-19", "--dry-run"
    )

    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["PERIOD", "START", "PERIOD", "END", "EXISTING", "ACTION"]
    assert len(lines) == 5
    assert lines[-1] == "dry run: 3 of 3 periods would run; nothing started"


def test_a_real_run_prints_its_id_and_status_url_then_show_list_and_cancel(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "backfill", "weekly", "--from", "2026-01-05", "--to", "2026-01-12",
        "--reason", "rules fix", "--json",
    )  # fmt: skip
    backfill_id = json.loads(out)["backfillId"]
    shown = run(capsys, "backfill", "show", backfill_id)
    listed = run(capsys, "backfill", "list")
    cancelled = run(capsys, "backfill", "cancel", backfill_id, "--json")
    again = run(capsys, "backfill", "cancel", backfill_id)

    assert code == 0
    assert json.loads(out)["statusUrl"] == f"/api/admin/backfills/{backfill_id}"
    assert shown[0] == 0
    assert shown[1].startswith(f"backfill {backfill_id} weekly-events 2026-01-05..2026-01-12")
    assert backfill_id in listed[1]
    assert json.loads(cancelled[1])["backfill"]["status"] == "cancelled"
    assert again[0] == 2
    assert "not running" in again[2]


def test_a_real_run_in_a_table_names_the_status_url(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "backfill", "monthly", "--from", "2025-12", "--to", "2026-01")

    assert code == 0
    assert out.splitlines()[-2].startswith("backfill ")
    assert out.splitlines()[-1].startswith(f"status: {cli_env}/api/admin/backfills/")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("weekly", "--from", "2026-01-06", "--to", "2026-01-19"), "not a Monday"),
        (("weekly", "--from", "2030-01-07", "--to", "2030-01-14"), "has not ended"),
        (("yearly", "--from", "2026", "--to", "2026"), "JOB must be weekly or monthly"),
        (("show",), "needs the backfill's ID"),
    ],
)
def test_bad_input_exits_2_with_the_apis_message(
    cli_env: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "backfill", *argv)

    assert code == 2
    assert message in err
