"""The FastAPI app factory.

Nothing happens at import time: ``create_app`` takes the settings, and the database engine
is made when the app starts (its lifespan) and disposed of when it stops. The app keeps no
state between requests beyond that engine, so any number of workers can share a database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colead.config import Settings, check_production, load_settings
from colead.errors import (
    ColeadError,
    DatabaseUnavailable,
    InvalidData,
    NotFound,
    ResultsNotPublished,
    WaveClosed,
)
from colead.fieldwork.survey import SurveyClosed, SurveyNotOpen, SurveyService
from colead.jobs.results_cache import ResultsCache
from colead.store import make_engine
from colead.store.migrate import ensure_current
from colead.web import render
from colead.web.admin.account import account_router
from colead.web.admin.actions import actions_router
from colead.web.admin.console import (
    Console,
    CsrfRefused,
    LoginRequired,
    csrf_refused_page,
    error_page,
    login_redirect,
)
from colead.web.admin.evaluation import evaluation_router
from colead.web.admin.mail import mail_router
from colead.web.admin.nominations import nominations_router
from colead.web.admin.people import people_router
from colead.web.admin.plans import plans_router
from colead.web.admin.privacy import privacy_router
from colead.web.admin.programmes import programmes_router
from colead.web.admin.reactions import reactions_router
from colead.web.admin.results import results_router
from colead.web.admin.reviews import admin_router
from colead.web.admin.selection import selection_router
from colead.web.admin.vocab import vocab_router
from colead.web.api.errors import install_api_error_handlers
from colead.web.api.routes import ApiState, FailureLimiter, make_api_router
from colead.web.bodies import BodyLimit
from colead.web.limits import UnknownTokenLimit
from colead.web.participant.pages import participant_router
from colead.web.participant.plans import participant_plans_router
from colead.web.proxies import ForwardedHeaders
from colead.web.reminder_loop import reminders_in_background
from colead.web.survey.reaction import reaction_router
from colead.web.survey.routes import router as survey_router

log = logging.getLogger("colead.web")


def create_app(settings: Settings) -> FastAPI:
    """The colead web app on the database named by ``settings``."""

    console = Console.from_settings(settings)
    check_production(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        try:
            ensure_current(engine)
            app.state.engine = engine
            app.state.survey = SurveyService(engine, settings.anonymity_minimum)
            app.state.api = ApiState(
                engine, settings.anonymity_minimum, FailureLimiter(), app.state.results
            )
            async with reminders_in_background(engine, settings):
                yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="colead",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.console = console
    # one cache of analysed waves per app, shared by the console and the API
    app.state.results = ResultsCache()
    # The last added runs first: the real client is known before any limit counts it,
    # and no body is read before its size is bounded.
    app.add_middleware(UnknownTokenLimit)
    app.add_middleware(BodyLimit, logged_in=console.cookies.carries_login)
    app.add_middleware(SecurityHeaders, https=is_https(settings.public_url))
    app.add_middleware(ForwardedHeaders, trusted=settings.trusted_networks())
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(ColeadError, domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, request_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)
    install_api_error_handlers(app)
    app.include_router(survey_router)
    app.include_router(make_api_router())
    app.include_router(admin_router(console))
    app.include_router(account_router(console))
    app.include_router(people_router(console))
    app.include_router(results_router(console))
    app.include_router(vocab_router(console))
    app.include_router(evaluation_router(console))
    app.include_router(mail_router(console))
    app.include_router(nominations_router(console))
    app.include_router(participant_router(settings))
    app.include_router(participant_plans_router(settings))
    app.include_router(programmes_router(console))
    app.include_router(selection_router(console))
    app.include_router(plans_router(console))
    app.include_router(actions_router(console))
    app.include_router(reaction_router(settings))
    app.include_router(reactions_router(console))
    app.include_router(privacy_router(console))
    return app


def create_app_from_environment() -> FastAPI:
    """The app with settings from the ``COLEAD_*`` environment (uvicorn's factory)."""
    return create_app(load_settings())


def is_https(public_url: str) -> bool:
    """Whether colead is served over HTTPS, as its public address says."""
    return urlsplit(public_url).scheme.lower() == "https"


class SecurityHeaders:
    """Adds ``render.SECURITY_HEADERS`` to every response, and HSTS when ``https``.

    HSTS follows the configured public address, not the request: behind a proxy that ends
    TLS the request itself arrives over plain http, and over plain http the header would
    be wrong (browsers ignore it there anyway).
    """

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = dict(render.SECURITY_HEADERS)
        if https:
            self.headers["Strict-Transport-Security"] = render.STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The one place where errors become pages. A domain error shows its own explanation with
# the status that fits it; anything unexpected shows a generic page and is logged.


def status_of(error: ColeadError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, SurveyNotOpen | ResultsNotPublished):
        return 409
    if isinstance(error, WaveClosed):
        return 410
    if isinstance(error, InvalidData):
        return 422
    if isinstance(error, DatabaseUnavailable):
        return 503
    return 400


async def login_required(request: Request, error: Exception) -> Response:
    return login_redirect(request)


async def csrf_refused(request: Request, error: Exception) -> Response:
    return csrf_refused_page(request)


def _in_console(request: Request) -> bool:
    return request.url.path.startswith(f"{request.scope.get('root_path', '')}/admin")


async def domain_error(request: Request, error: ColeadError) -> HTMLResponse:
    if _in_console(request):
        return error_page(request, status_of(error), error.code, error.message, error.hint or "")
    return render.page(
        "error.html.j2",
        status_of(error),
        code=error.code,
        message=error.message,
        hint=error.hint or "",
        submitted=isinstance(error, SurveyClosed) and error.submitted,
        home=_survey_home(request, error),
    )


async def http_error(request: Request, error: StarletteHTTPException) -> HTMLResponse:
    status = error.status_code if 400 <= error.status_code < 600 else 400
    return _generic(request, status)


async def request_error(request: Request, error: RequestValidationError) -> HTMLResponse:
    return _generic(request, 422)


async def unexpected_error(request: Request, error: Exception) -> HTMLResponse:
    log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    try:
        return _generic(request, 500)
    except Exception:  # the error page itself failed: still answer without a traceback
        return HTMLResponse(
            "<!doctype html><title>Error</title><p>Something went wrong.</p>",
            status_code=500,
            headers=render.SECURITY_HEADERS,
        )


def _generic(request: Request, status: int) -> HTMLResponse:
    if _in_console(request):
        return error_page(request, status, f"http_{status}", "", "")
    return render.page(
        "error.html.j2",
        status,
        code=f"http_{status}",
        message="",
        hint="",
        submitted=False,
        home="",
    )


def _survey_home(request: Request, error: ColeadError) -> str:
    """A link back to the form, for errors met on a form that exists."""
    if isinstance(error, NotFound | WaveClosed):
        return ""
    root = request.scope.get("root_path", "")
    token = request.path_params.get("token")
    if not isinstance(token, str) or not request.url.path.startswith(f"{root}/s/"):
        return ""  # a participant page (/p/) shows its own errors
    return f"{root}/s/{token}"
