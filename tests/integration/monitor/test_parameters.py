"""Bad parameters are a 400 with the error shape, never a 500; unknown runs are a 404."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.integration.monitor.conftest import ADMIN, CRON


async def _statuses(
    client: httpx.AsyncClient, method: str, paths: list[str], headers: dict[str, str]
) -> dict[str, tuple[int, str]]:
    answers = {}
    for path in paths:
        response = await client.request(method, path, headers=headers)
        body = response.json()
        assert set(body) == {"status", "error", "message"}, path
        assert body["status"] == "error", path
        assert body["message"], path
        answers[path] = (response.status_code, body["error"])
    return answers


async def test_malformed_or_open_periods_are_refused(client: httpx.AsyncClient) -> None:
    paths = [
        "/api/events/weekly?weekStart=2026-02-24",  # a Tuesday
        "/api/events/weekly?weekStart=2026-2-3",
        "/api/events/weekly?weekStart=2026-02-30",
        "/api/events/weekly?weekStart=2026-03-02",  # the current week has not ended
        "/api/events/weekly?weekStart=2027-01-04",  # the future
        "/api/events/weekly?weekStart=" + "9" * 200,
        "/api/events/weekly?force=maybe",
        "/api/events/monthly?month=2026-13",
        "/api/events/monthly?month=2026-03",  # the current month has not ended
        "/api/events/monthly?month=March",
        "/api/events/monthly?month=2026-02&force=perhaps",
    ]

    answers = await _statuses(client, "POST", paths, CRON)

    assert answers == dict.fromkeys(paths, (400, "bad-request"))


async def test_dispatch_limit_outside_1_to_1000_is_refused(client: httpx.AsyncClient) -> None:
    paths = [f"/api/events/emails/dispatch?limit={v}" for v in ("0", "1001", "abc", "-5", "2.5")]

    answers = await _statuses(client, "POST", paths, CRON)

    assert answers == dict.fromkeys(paths, (400, "bad-request"))


async def test_job_history_filters_are_validated(client: httpx.AsyncClient) -> None:
    paths = [
        "/api/admin/jobs?jobName=weekly",
        "/api/admin/jobs?status=done",
        "/api/admin/jobs?limit=0",
        "/api/admin/jobs?limit=1001",
        "/api/admin/jobs?limit=abc",
        "/api/admin/jobs/not-a-uuid",
        "/api/admin/jobs/" + "a" * 300,
    ]

    answers = await _statuses(client, "GET", paths, ADMIN)

    assert answers == dict.fromkeys(paths, (400, "bad-request"))


async def test_an_unknown_job_run_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/admin/jobs/{uuid4()}", headers=ADMIN)

    assert response.status_code == 404
    assert response.json()["error"] == "not-found"


async def test_unknown_paths_and_methods_keep_the_error_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/nothing-here")
    wrong_method = await client.get("/api/events/weekly", headers=CRON)

    assert (missing.status_code, missing.json()["status"]) == (404, "error")
    assert (wrong_method.status_code, wrong_method.json()["status"]) == (405, "error")
