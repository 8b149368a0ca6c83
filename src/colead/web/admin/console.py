"""What every page of the admin console shares: who is logged in, CSRF, pages, redirects.

Routes take the logged-in admin as a parameter: ``admin: AdminPage`` for pages that only
show, ``admin: AdminForm`` for POST forms, which also checks the form's CSRF token before
the route runs. A visitor without a session is sent to the login page
(:class:`LoginRequired`) and a form without the right token is refused with 403
(:class:`CsrfRefused`); the app turns both into responses in one place. Sessions are kept
in the database (:mod:`colead.web.admin.sessions`), so a visitor "without a session" includes one
whose session was logged out, expired, or whose admin was deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine

from colead.accounts.passwords import PasswordChecks
from colead.config import Settings
from colead.web import render
from colead.web.admin.sessions import AdminSession, SessionCookies, csrf_matches

PREFIX = "/admin"


class LoginRequired(Exception):
    """The request needs a logged-in admin and has none."""


class CsrfRefused(Exception):
    """A console form arrived without its session's CSRF token."""


def quote_part(text: str) -> str:
    """``text`` made safe as one part of a URL path (a slash included)."""
    return quote(text, safe="")


def app_engine(request: Request) -> Engine:
    """The app's one database engine, made by its lifespan."""
    engine = request.app.state.engine
    assert isinstance(engine, Engine)
    return engine


@dataclass(frozen=True)
class Console:
    """The settings, session cookies and password checks that every console router shares.

    ``password_checks`` bounds the argon2 checks of logins in this app's process.
    """

    settings: Settings
    cookies: SessionCookies
    password_checks: PasswordChecks = field(default_factory=PasswordChecks)

    @classmethod
    def from_settings(cls, settings: Settings) -> Console:
        """Raises ConfigurationError when the settings have no usable secret (production)."""
        return cls(settings, SessionCookies.from_settings(settings))

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    # --- who is asking ------------------------------------------------------------------

    def session_of(self, request: Request) -> AdminSession | None:
        """The request's session, logged in or not; None without a valid cookie."""
        return self.cookies.read(request)

    def admin_of(self, request: Request) -> AdminSession | None:
        session = self.session_of(request)
        return session if session is not None and session.logged_in else None

    # --- answers ------------------------------------------------------------------------

    @staticmethod
    def root(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{PREFIX}"

    def review_url(self, request: Request, name: str) -> str:
        return f"{self.root(request)}/reviews/{quote_part(name)}"

    def page(
        self,
        request: Request,
        template: str,
        admin: AdminSession,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """An ``admin/`` template with what every console page needs."""
        return render.page(
            f"admin/{template}",
            status,
            root=self.root(request),
            admin=admin,
            csrf=admin.csrf,
            quote=quote_part,
            **context,
        )


def console_of(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


def logged_in_admin(request: Request) -> AdminSession:
    """The logged-in admin, or LoginRequired."""
    session = console_of(request).admin_of(request)
    if session is None:
        raise LoginRequired
    return session


def form_admin(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> AdminSession:
    """The logged-in admin whose form carries their session's CSRF token."""
    session = logged_in_admin(request)
    if not csrf_matches(session, csrf):
        raise CsrfRefused
    return session


#: a page parameter: the logged-in admin (others go to the login page)
AdminPage = Annotated[AdminSession, Depends(logged_in_admin)]
#: a POST form parameter: the logged-in admin, with the form's CSRF token checked
AdminForm = Annotated[AdminSession, Depends(form_admin)]


def see_other(url: str) -> RedirectResponse:
    """The answer to a POST that changed something: go and look (303)."""
    return RedirectResponse(url, status_code=303, headers=render.SECURITY_HEADERS)


def login_redirect(request: Request) -> RedirectResponse:
    return see_other(f"{Console.root(request)}/login")


def error_page(request: Request, status: int, code: str, message: str, hint: str) -> HTMLResponse:
    """The console's error page (the survey's speaks to raters, this one to admins)."""
    return render.page(
        "admin/error.html.j2",
        status,
        root=Console.root(request),
        admin=None,
        csrf="",
        code=code,
        message=message,
        hint=hint,
    )


def csrf_refused_page(request: Request) -> HTMLResponse:
    return error_page(
        request,
        403,
        "csrf_refused",
        "This form has expired or did not come from this site.",
        "Go back, reload the page and try again.",
    )
