"""/healthz (liveness), /readyz (database and broker), /metrics (Prometheus text)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from sportify_common.db.engine import ping
from sportify_monitor.deps import MonitorDep
from sportify_monitor.errors import error_response

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(monitor: MonitorDep) -> JSONResponse:
    database = await ping(monitor.engine, timeout=2.0)
    try:
        broker = bool(await monitor.broker.ping(timeout=2.0))
    except Exception:
        broker = False
    if database and broker:
        return JSONResponse({"status": "ok", "database": "up", "broker": "up"})
    down = [name for name, up in (("database", database), ("broker", broker)) if not up]
    return error_response(503, "not-ready", f"Not ready: the {' and the '.join(down)} is down.")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    monitor = getattr(request.app.state, "monitor", None)
    if monitor is not None:
        await monitor.gauges.refresh()
        if monitor.dead_letters is not None:
            await monitor.dead_letters.refresh()
    registry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
