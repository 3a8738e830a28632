"""Every error the API answers has one shape: {"status": "error", "error": code, "message": ...}.

Bad input is a 400 (never a 500); an unreachable database or broker is a 503; anything
unexpected is a 500 with the same shape and no internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging

from aiormq.exceptions import AMQPError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    TimeoutError as PoolTimeoutError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from sportify_monitor.params import ParamError

logger = logging.getLogger("sportify.monitor.errors")

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    OSError,  # includes ConnectionRefusedError and TimeoutError
)
BROKER_ERRORS: tuple[type[Exception], ...] = (AMQPError,)

_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def bad_request(message: str, code: str = "bad-request") -> ApiError:
    return ApiError(400, code, message)


def error_body(code: str, message: str) -> dict[str, str]:
    return {"status": "error", "error": code, "message": message}


def error_response(status_code: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status_code)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        location = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        name = ".".join(location) or "request"
        parts.append(f"{name}: {error.get('msg', 'is invalid')}")
    return "Invalid request parameter(s): " + "; ".join(parts) + "."


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)  # noqa: S101 - registered for ApiError only
    return error_response(exc.status_code, exc.code, exc.message)


async def _param_error(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(400, "bad-request", str(exc))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    return error_response(400, "bad-request", _validation_message(exc))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    status = exc.status_code
    message = str(exc.detail) or "The request failed."
    if status == 404:
        message = "No such endpoint."
    return JSONResponse(
        error_body(_HTTP_CODES.get(status, "error"), message),
        status_code=status,
        headers=getattr(exc, "headers", None),
    )


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable during %s %s: %r", request.method, request.url.path, exc)
    return error_response(503, "database-unavailable", "The database is not reachable right now.")


async def _broker_down(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("broker unavailable during %s %s: %r", request.method, request.url.path, exc)
    return error_response(
        503, "broker-unavailable", "The message broker is not reachable right now."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ParamError, _param_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for db_error in DATABASE_ERRORS:
        app.add_exception_handler(db_error, _database_down)
    for broker_error in BROKER_ERRORS:
        app.add_exception_handler(broker_error, _broker_down)
