"""The overview (SPEC 13): health, each job's last and next runs, stuck runs, 7-day failures,
the email queue by status, dead-letter depths, and the 30-day chart."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_monitor import dead_letter_operations, schedule_operations
from sportify_monitor.console import reads
from sportify_monitor.console.web import PREFIX, ConsoleRoute, monitor_of, render, require_session
from sportify_monitor.ops_schemas import DeadLetterQueues

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


async def _dead_letters(request: Request) -> DeadLetterQueues | None:
    try:
        return await dead_letter_operations.list_queues(monitor_of(request))
    except Exception:  # the broker is down: the health panel says so
        return None


@router.get("/")
async def overview(request: Request) -> Response:
    session = require_session(request)
    monitor = monitor_of(request)
    health, document, schedules, dead_letters, charts = await asyncio.gather(
        reads.health(monitor),
        reads.monitoring_document(monitor),
        schedule_operations.list_schedules(monitor),
        _dead_letters(request),
        reads.charts(monitor),
    )
    return render(
        request,
        "overview.html",
        session=session,
        section="overview",
        title="Overview",
        health=health,
        jobs=document["jobs"],
        emails=document["emails"],
        schedules=schedules.schedules,
        dead_letters=dead_letters,
        charts=charts,
    )
