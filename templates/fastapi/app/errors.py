"""Typed application errors and the one JSON error envelope every error response uses.

Services raise `AppError` subclasses; the handlers installed by `install_error_handlers` turn
them, FastAPI's validation errors and Starlette's HTTP errors (404, 405, ...) into
`{"error": {"code": ..., "message": ..., "details": ...}}`. Anything else is an opaque 500.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ValidationIssue(BaseModel):
    """One invalid input: where it is and what is wrong with it."""

    loc: list[str | int] = Field(description="Where: body, query or path, then the field")
    message: str
    type: str


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable error code", examples=["not_found"])
    message: str = Field(description="A human-readable explanation")
    details: list[ValidationIssue] | None = Field(
        default=None, description="Each invalid input (validation errors only)"
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class AppError(Exception):
    """An error with an HTTP status and a stable code; the message is shown to the client."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


class UnauthorizedError(AppError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str = "authentication required") -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"


class ForbiddenError(AppError):
    status_code = 403
    code = "forbidden"


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class ConflictError(AppError):
    status_code = 409
    code = "conflict"


# Codes for the statuses Starlette and the middleware answer by themselves.
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: list[ValidationIssue] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON response for an error; also used by middleware outside the exception handlers."""
    body = ErrorBody(
        error=ErrorDetail(
            code=code or _CODES.get(status, "error"), message=message, details=details
        )
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of error statuses, for a route's or a router's `responses`."""
    return {
        status: {"model": ErrorBody, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    return error_response(exc.status_code, exc.message, code=exc.code, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    details = [
        ValidationIssue(loc=list(e.get("loc", ())), message=str(e.get("msg", "")), type=e["type"])
        for e in exc.errors()
    ]
    return error_response(422, "request validation failed", details=details)


def _allowed_methods(request: Request) -> set[str]:
    """Every method of every route at the request's path (the router names only the first's)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(request.url.path):
            methods |= route.methods
    return methods


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (methods := _allowed_methods(request)):
        headers["Allow"] = ", ".join(sorted(methods))
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "error"
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else phrase
    return error_response(exc.status_code, message.lower(), headers=headers)


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal server error", code="internal")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled_error)
