"""Injected resources and the two auth guards, as Annotated aliases.

All async: FastAPI runs a plain `def` dependency on its thread pool, a hand-off per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from sportify_common.audit import DEFAULT_ACTOR, MAX_ACTOR_LENGTH
from sportify_monitor.auth import AuthResult, check_bearer
from sportify_monitor.context import Monitor
from sportify_monitor.errors import ApiError
from sportify_monitor.params import parse_actor


async def get_monitor(request: Request) -> Monitor:
    monitor = getattr(request.app.state, "monitor", None)
    if not isinstance(monitor, Monitor):
        raise ApiError(503, "starting", "The monitor is not started yet.")
    return monitor


MonitorDep = Annotated[Monitor, Depends(get_monitor)]
AuthorizationHeader = Annotated[str | None, Header(include_in_schema=False)]


def _guard(result: AuthResult, *, what: str, variables: str) -> None:
    match result:
        case AuthResult.OK:
            return
        case AuthResult.UNCONFIGURED:
            raise ApiError(
                503,
                "not-configured",
                f"No {what} is configured ({variables}); this endpoint stays closed.",
            )
        case AuthResult.MISSING:
            raise ApiError(
                401, "unauthorized", "Missing credentials: send 'Authorization: Bearer <token>'."
            )
        case AuthResult.WRONG:
            raise ApiError(401, "unauthorized", "The bearer token is not valid.")


async def require_cron(monitor: MonitorDep, authorization: AuthorizationHeader = None) -> None:
    secret = monitor.settings.cron_secret
    _guard(
        check_bearer(authorization, secret.get_secret_value() if secret else None),
        what="cron secret",
        variables="EVENTS_CRON_SECRET or CRON_SECRET",
    )


async def require_admin(monitor: MonitorDep, authorization: AuthorizationHeader = None) -> None:
    secret = monitor.settings.admin_secret
    _guard(
        check_bearer(authorization, secret.get_secret_value() if secret else None),
        what="admin token",
        variables="ADMIN_API_TOKEN or the cron secret",
    )


CronAuth = Depends(require_cron)
AdminAuth = Depends(require_admin)


# --- who acts (SPEC 12): the X-Sportify-Actor header ----------------------------------------

ActorHeader = Annotated[
    str | None,
    Header(
        alias="X-Sportify-Actor",
        max_length=MAX_ACTOR_LENGTH,
        description=f"Who acts (free text, at most {MAX_ACTOR_LENGTH} characters); "
        f"default {DEFAULT_ACTOR!r}. Recorded in the audit log.",
    ),
]


async def get_actor(x_sportify_actor: ActorHeader = None) -> str:
    return parse_actor(x_sportify_actor, default=DEFAULT_ACTOR, max_length=MAX_ACTOR_LENGTH)


ActorDep = Annotated[str, Depends(get_actor)]
