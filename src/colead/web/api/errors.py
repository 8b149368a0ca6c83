"""One error shape for every failure under ``/api``.

``{"error": {"code": str, "message": str, "details": ...}}`` with the status that fits.
:func:`install_api_error_handlers` wraps the app's own handlers: a request under ``/api``
gets this JSON, every other path keeps its HTML error page. Nothing unexpected ever
reaches the client beyond a generic message; the details go to the log.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from colead.accounts.api_tokens import TokenRefused
from colead.errors import (
    ColeadError,
    Conflict,
    DatabaseUnavailable,
    InvalidData,
    NotFound,
    WaveClosed,
)

log = logging.getLogger("colead.web.api")

API_PREFIX = "/api"

Handler = Callable[[Request, Any], Any]


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ApiErrorResponse(BaseModel):
    """What every failed API request answers."""

    error: ErrorBody


class RateLimited(ColeadError):
    """Too many failed authentications from one client in a short time."""

    exit_code = 11
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed authentications from this address.",
            f"Try again in {retry_after} seconds.",
        )
        self.retry_after = retry_after


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ApiErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def api_status_of(error: ColeadError) -> int:
    if isinstance(error, TokenRefused):
        return 401
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, WaveClosed):
        return 410
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidData):
        return 422
    if isinstance(error, DatabaseUnavailable):
        return 503
    return 400


def domain_error(request: Request, error: ColeadError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(error, TokenRefused):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    details = {"hint": error.hint} if error.hint else None
    return error_response(api_status_of(error), error.code, error.message, details, headers)


def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    status = error.status_code if 400 <= error.status_code < 600 else 400
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, f"http_{status}")
    headers = dict(error.headers) if error.headers else None
    return error_response(status, code, HTTPStatus(status).phrase, None, headers)


def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    details = [
        {
            "location": [str(part) for part in problem.get("loc", ())],
            "message": str(problem.get("msg", "")),
            "type": str(problem.get("type", "")),
        }
        for problem in error.errors()
    ]
    return error_response(422, "invalid_parameters", "The request has invalid parameters.", details)


def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", "Something went wrong on the server.")


def is_api_request(request: Request) -> bool:
    path: str = request.scope.get("path", "")
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def install_api_error_handlers(app: FastAPI) -> None:
    """Answer failures under ``/api`` in the API's error shape; other paths keep theirs.

    Call it after the app's own exception handlers are registered: it wraps them.
    """
    api_handlers: list[tuple[type[Exception], Handler]] = [
        (ColeadError, domain_error),
        (StarletteHTTPException, http_error),
        (RequestValidationError, validation_error),
        (Exception, unexpected_error),
    ]
    for kind, api_handler in api_handlers:
        app.add_exception_handler(kind, _by_path(api_handler, app.exception_handlers.get(kind)))


def _by_path(
    api_handler: Handler, page_handler: Handler | None
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, error: Exception) -> Response:
        if is_api_request(request):
            try:
                answer: Response = api_handler(request, error)
            except Exception as failure:  # the error answer itself failed: stay generic
                log.error("Error handler failed on %s", request.url.path, exc_info=failure)
                answer = error_response(
                    500, "internal_error", "Something went wrong on the server."
                )
            return answer
        if page_handler is None:
            raise error
        result = page_handler(request, error)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, Response)
        return result

    return handle
