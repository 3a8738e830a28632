"""Sign-in with the admin token, sign-out (SPEC 13)."""

from __future__ import annotations

import secrets
import time
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sportify_monitor.auth import AuthResult, check_bearer
from sportify_monitor.console import session as sessions
from sportify_monitor.console.web import (
    PREFIX,
    ConsoleRoute,
    RefusedError,
    checked_form,
    client_address,
    is_https,
    limiter_of,
    monitor_of,
    read_form,
    redirect,
    render,
    require_session,
    secret_of,
    session_of,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

PRE_COOKIE: Final = "sportify_ops_signin"
"""Double-submit token of the sign-in form (there is no session yet to derive one from)."""


def _sign_in_page(request: Request, *, error: str | None, status_code: int) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(16)
    response = render(
        request,
        "sign_in.html",
        session=None,
        status_code=status_code,
        pre_token=pre,
        error=error,
        title="Sign in",
    )
    response.set_cookie(
        PRE_COOKIE,
        pre,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path=f"{PREFIX}/sign-in",
    )
    return response


@router.get("/sign-in")
async def sign_in_form(request: Request) -> Response:
    if session_of(request) is not None:
        return redirect(f"{PREFIX}/")
    return _sign_in_page(request, error=None, status_code=200)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    monitor = monitor_of(request)
    key = secret_of(monitor)
    limiter = limiter_of(request)
    address = client_address(request)
    now = time.monotonic()
    if limiter.blocked(address, now):
        raise RefusedError(
            429,
            "Too many attempts",
            f"Too many failed sign-ins from this address; try again in "
            f"{limiter.retry_after(address, now)} s.",
        )
    form = await read_form(request)
    pre = request.cookies.get(PRE_COOKIE, "")
    given_pre = form.get("csrf_token")
    if not pre or not secrets.compare_digest(pre.encode(), given_pre.encode()):
        raise RefusedError(
            403, "Request refused", "The sign-in form was not sent from this console's page."
        )
    admin = monitor.settings.admin_secret
    result = check_bearer(
        f"Bearer {form.get('token')}", admin.get_secret_value() if admin else None
    )
    if result is not AuthResult.OK:
        limiter.failed(address, now)
        return _sign_in_page(request, error="That token is not the admin token.", status_code=401)
    limiter.succeeded(address)
    session = sessions.new_session(sessions.actor_of(form.get("name")), monitor.clock())
    response = redirect(f"{PREFIX}/")
    response.set_cookie(
        sessions.COOKIE_NAME,
        sessions.encode(session, key),
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path=PREFIX,
    )
    response.delete_cookie(PRE_COOKIE, path=f"{PREFIX}/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = require_session(request)
    await checked_form(request, session)
    response = redirect(f"{PREFIX}/sign-in", flash="Signed out.")
    response.delete_cookie(sessions.COOKIE_NAME, path=PREFIX)
    return response
