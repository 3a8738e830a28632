"""The console's HTTP shell: templates, security headers, form bodies, sessions on requests,
and one route class that turns every problem into a page for a person (never JSON)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from aiormq.exceptions import AMQPError
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sportify_monitor.console import csrf, formatting
from sportify_monitor.console.session import COOKIE_NAME, Session, decode
from sportify_monitor.console.signin_limit import SignInLimiter
from sportify_monitor.context import Monitor
from sportify_monitor.errors import DATABASE_ERRORS, ApiError
from sportify_monitor.params import ParamError

logger = logging.getLogger("sportify.monitor.console")

PREFIX: Final = "/ops"
MAX_FORM_BYTES: Final = 256 * 1024
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInRequiredError(Exception):
    """No valid session: the person is sent to the sign-in page."""


class RefusedError(Exception):
    """A request the console turns down with a page (CSRF, rate limit, bad form)."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


def monitor_of(request: Request) -> Monitor:
    monitor = getattr(request.app.state, "monitor", None)
    if not isinstance(monitor, Monitor):
        raise RefusedError(
            503, "Starting", "The monitor is not started yet; try again in a moment."
        )
    return monitor


def secret_of(monitor: Monitor) -> bytes:
    secret = monitor.settings.console_secret
    if secret is None:
        raise RefusedError(
            503,
            "Console closed",
            "No admin token is configured (ADMIN_API_TOKEN or the cron secret): "
            "the console stays closed.",
        )
    return secret


def limiter_of(request: Request) -> SignInLimiter:
    limiter = getattr(request.app.state, "console_signin_limiter", None)
    if not isinstance(limiter, SignInLimiter):
        limiter = SignInLimiter()
        request.app.state.console_signin_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or request.url.scheme == "https"


def session_of(request: Request) -> Session | None:
    monitor = monitor_of(request)
    return decode(request.cookies.get(COOKIE_NAME), secret_of(monitor), monitor.clock())


def require_session(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise SignInRequiredError
    return session


class Form:
    """An application/x-www-form-urlencoded body (the console's forms post nothing else)."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = values

    def get(self, name: str, default: str = "") -> str:
        found = self._values.get(name)
        return found[0].strip() if found else default

    def all(self, name: str) -> list[str]:
        return [value.strip() for value in self._values.get(name, []) if value.strip()]

    def flag(self, name: str) -> bool:
        return self.get(name).lower() in {"on", "true", "1", "yes"}


async def read_form(request: Request) -> Form:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise RefusedError(413, "Too large", "The form is too large.")
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise RefusedError(400, "Bad form", "The form is not UTF-8.") from exc
    return Form(parse_qs(text, keep_blank_values=True, max_num_fields=2000))


async def checked_form(request: Request, session: Session) -> Form:
    """The form of a POST, after its CSRF token was checked (a missing or wrong one → 403)."""
    form = await read_form(request)
    if not csrf.is_valid(form.get(csrf.FIELD), session, secret_of(monitor_of(request))):
        raise RefusedError(
            403,
            "Request refused",
            "This form was not sent from a console page of this session (missing or wrong "
            "CSRF token). Reload the page and try again.",
        )
    return form


def with_headers(response: Response, extra: Mapping[str, str] | None = None) -> Response:
    for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
        response.headers[name] = value
    return response


def render(
    request: Request,
    template: str,
    *,
    session: Session | None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    monitor = getattr(request.app.state, "monitor", None)
    zone = monitor.settings.zone if isinstance(monitor, Monitor) else None
    secret = monitor.settings.console_secret if isinstance(monitor, Monitor) else None
    token = csrf.token_for(session, secret) if session is not None and secret else ""

    def when(value: Any) -> formatting.Shown | None:
        return formatting.instant(value, zone) if zone is not None else None

    html = _templates.get_template(template).render(
        request_path=request.url.path,
        session=session,
        csrf_field=csrf.FIELD,
        csrf_token=token,
        zone=str(zone) if zone is not None else "UTC",
        when=when,
        duration=formatting.duration,
        between=formatting.between,
        tone=formatting.tone,
        flash=request.query_params.get("flash", "")[:300],
        prefix=PREFIX,
        query=lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")}),
        **context,
    )
    return with_headers(HTMLResponse(html, status_code=status_code), headers)


def redirect(path: str, *, flash: str | None = None) -> Response:
    target = (
        path
        if flash is None
        else f"{path}{'&' if '?' in path else '?'}" + urlencode({"flash": flash[:300]})
    )
    return with_headers(RedirectResponse(target, status_code=303))


def problem_page(request: Request, status_code: int, title: str, message: str) -> Response:
    try:
        session = session_of(request)
    except RefusedError:
        session = None
    return render(
        request,
        "problem.html",
        session=session,
        status_code=status_code,
        title=title,
        message=message,
    )


_TITLES: Final = {400: "Bad request", 404: "Not found", 409: "Conflict", 503: "Unavailable"}


class ConsoleRoute(APIRoute):
    """Every console route: problems become pages, an absent session the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            started = time.monotonic()
            try:
                return await handler(request)
            except SignInRequiredError:
                return redirect(f"{PREFIX}/sign-in")
            except RefusedError as exc:
                headers = {"Retry-After": "60"} if exc.status_code == 429 else None
                response = problem_page(request, exc.status_code, exc.title, exc.message)
                return with_headers(response, headers)
            except ApiError as exc:
                title = _TITLES.get(exc.status_code, "Request failed")
                return problem_page(request, exc.status_code, title, exc.message)
            except ParamError as exc:
                return problem_page(request, 400, "Bad request", str(exc))
            except RequestValidationError as exc:
                fields = ", ".join(
                    ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
                    for error in exc.errors()[:5]
                )
                return problem_page(request, 400, "Bad request", f"Invalid value: {fields}.")
            except DATABASE_ERRORS as exc:
                logger.warning("console: database unavailable on %s: %r", request.url.path, exc)
                return problem_page(
                    request, 503, "Database unavailable", "The database is not reachable now."
                )
            except AMQPError as exc:
                logger.warning("console: broker unavailable on %s: %r", request.url.path, exc)
                return problem_page(
                    request, 503, "Broker unavailable", "The message broker is not reachable now."
                )
            finally:
                logger.debug(
                    "console %s %s in %.3f s",
                    request.method,
                    request.url.path,
                    time.monotonic() - started,
                )

        return handle
