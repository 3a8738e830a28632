"""/healthz, /readyz and /metrics (Prometheus text with the monitor's sportify_ series)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.monitor.conftest import ADMIN, NOW
from tests.support.job_factories import insert_email, insert_job_run


async def test_liveness_and_readiness_answer_200(client: httpx.AsyncClient) -> None:
    live = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert live.status_code == 200
    assert ready.json() == {"status": "ok", "database": "up", "broker": "up"}


async def test_metrics_expose_http_job_email_and_faststream_series(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await insert_job_run(
        engine,
        job_name="weekly-events",
        status="running",
        scheduled_for=NOW,
        created_at=NOW - timedelta(hours=3),
        started_at=NOW - timedelta(hours=3),
    )
    await insert_email(engine, created_at=NOW, status="retrying")
    await client.get(f"/api/admin/jobs/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=ADMIN)

    response = await client.get("/metrics")

    text = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "sportify_jobs_stuck 1.0" in text
    assert 'sportify_email_queue_messages{status="retrying"} 1.0' in text
    assert 'sportify_email_queue_messages{status="sent"} 0.0' in text
    assert (
        'sportify_http_requests_total{method="GET",route="/api/admin/jobs/{run_id}",status="404"} 1.0'
        in text
    )
    assert "sportify_http_request_duration_seconds_bucket" in text
    assert "sportify_job_runs_total" in text or "# TYPE sportify_job_runs_total counter" in text
    assert "faststream_" in text


async def test_an_unexpected_path_is_counted_under_one_label(client: httpx.AsyncClient) -> None:
    await client.get("/does/not/exist/123")

    text = (await client.get("/metrics")).text

    assert 'route="unmatched",status="404"' in text
    assert "/does/not/exist" not in text
