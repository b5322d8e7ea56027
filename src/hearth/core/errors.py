"""Typed application errors and the one place that renders every error as JSON."""

from __future__ import annotations

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Scope, Send

from hearth.core.i18n import pick_language, translate

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error a client may cause; carries its HTTP status and a stable code."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.message = message
        self.details = details
        self.headers = headers
        super().__init__(message or self.code)


class BadRequest(AppError):
    status_code, code = 400, "bad_request"


class ValidationFailed(AppError):
    status_code, code = 422, "validation_error"

    @classmethod
    def field(cls, field: str, message: str, *, code: str = "validation_error") -> ValidationFailed:
        return cls(message, code=code, details=[{"field": field, "message": message}])


class NotAuthenticated(AppError):
    status_code, code = 401, "not_authenticated"


class Forbidden(AppError):
    status_code, code = 403, "forbidden"


class NotFound(AppError):
    status_code, code = 404, "not_found"


class Conflict(AppError):
    status_code, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status_code, code = 413, "file_too_large"


class UnsupportedMediaType(AppError):
    status_code, code = 415, "unsupported_media_type"


class TooManyRequests(AppError):
    status_code, code = 429, "rate_limited"

    def __init__(self, retry_after: float, message: str | None = None, **kwargs: Any) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(
            message,
            headers={"Retry-After": str(seconds)},
            details={"retry_after": seconds},
            **kwargs,
        )


class ConcurrentChange(Conflict):
    """A constraint the service had checked failed at the write: a concurrent request (a
    form sent twice, two tabs) wrote first."""

    code = "concurrent_change"


class ServiceUnavailable(AppError):
    status_code, code = 503, "service_unavailable"


def error_body(
    request: Request, code: str, message: str | None, details: Any = None
) -> dict[str, Any]:
    language = pick_language(request)
    return {
        "error": {"code": code, "message": translate(code, language, message), "details": details}
    }


_LIMIT_KEYS = {"ge", "gt", "le", "lt", "min_length", "max_length"}
_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


async def send_error(
    scope: Scope, send: Send, code: str, status: int, headers: dict[str, str] | None = None
) -> None:
    """An error in the API's shape, answered by ASGI middleware (outside the app's handlers),
    without reading the request's body."""

    async def no_receive() -> Message:
        return {"type": "http.disconnect"}

    body = error_body(Request(scope), code, None)
    await JSONResponse(body, status_code=status, headers=headers)(scope, no_receive, send)


def outage(exc: BaseException) -> str | None:
    """What failed, when a service the app depends on did (the database or Redis refused,
    dropped, timed out or was busy) rather than the request: the client may try again."""
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        # The driver's first line only: SQLAlchemy's text carries the statement's values.
        lines = str(exc.orig).splitlines()
        return f"database: {type(exc.orig).__name__} {lines[0] if lines else ''}".rstrip()
    redis_errors = sys.modules.get("redis.exceptions")  # an optional extra
    if redis_errors is not None and isinstance(
        exc, redis_errors.ConnectionError | redis_errors.TimeoutError
    ):
        return f"redis: {type(exc).__name__} {exc}".rstrip()
    return None


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(part) for part in loc)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(request, exc.code, exc.message, exc.details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _limits(err: Any) -> dict[str, Any]:
    """The bounds an error names (`{"le": 100}`), for clients to say it in their language."""
    ctx = err.get("ctx") or {}
    limits = {
        key: value
        for key, value in ctx.items()
        if key in _LIMIT_KEYS and isinstance(value, int | float) and not isinstance(value, bool)
    }
    return {"ctx": limits} if limits else {}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "field": _field_name(tuple(err.get("loc", ()))),
            "location": str(err.get("loc", ("body",))[0]),
            "message": str(err.get("msg", "invalid")).removeprefix("Value error, "),
            "type": err.get("type"),
            **_limits(err),
        }
        for err in exc.errors()
    ]
    return JSONResponse(error_body(request, "validation_error", None, details), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) and code == "http_error" else None
    return JSONResponse(
        error_body(request, code, message), status_code=exc.status_code, headers=exc.headers
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    # The driver's first line names the constraint; the rest (and SQLAlchemy's own text)
    # would carry the row's values into the log.
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
    log.warning("db.integrity_error path=%s reason=%s", request.url.path, reason)
    return await _app_error(request, ConcurrentChange())


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
