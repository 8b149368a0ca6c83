"""The logged-in admin's own account: sessions, password and API tokens.

The work is done by ``colead.accounts.admins`` and ``colead.accounts.api_tokens``; every change is
audited with the admin's e-mail. A new API token is shown once, on the page that answers
its creation, and never again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from colead.accounts import admins, api_tokens
from colead.accounts.api_tokens import IssuedToken, issue_token
from colead.errors import InvalidData
from colead.store import transaction
from colead.store.schema import utcnow
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console, app_engine, see_other
from colead.web.admin.sessions import AdminSession

#: what a page says after a change, by the ``done`` query parameter (never echoed)
NOTICES = {
    "sessions": "You are logged out everywhere else.",
    "password": "Your password is changed; you are logged out everywhere else.",
    "revoked": "The API token is revoked.",
}
_MAX_PASSWORD = 1024


def when(moment: datetime | None) -> str:
    """A stored time as the page shows it, e.g. ``2025-06-02 08:00 UTC``."""
    if moment is None:
        return "–"
    return admins.aware(moment).strftime("%Y-%m-%d %H:%M UTC")


def account_router(console: Console) -> APIRouter:
    """``/admin/account`` and its forms."""
    router = APIRouter(prefix=f"{PREFIX}/account")

    def account_page(
        request: Request, admin: AdminSession, status: int = 200, **context: Any
    ) -> HTMLResponse:
        live = admin.live
        with transaction(app_engine(request)) as session:
            sessions = admins.admin_sessions(session, live.admin_id, now=utcnow())
            tokens = api_tokens.own_tokens(session, live)
        done = request.query_params.get("done", "")
        context.setdefault("password_error", "")
        context.setdefault("token_error", "")
        context.setdefault("issued", None)
        return console.page(
            request,
            "account.html.j2",
            admin,
            status,
            sessions=sessions,
            current_id=live.id,
            tokens=tokens,
            notice=NOTICES.get(done, ""),
            when=when,
            min_password=admins.MIN_PASSWORD_LENGTH,
            lifetime_hours=int(admins.SESSION_LIFETIME.total_seconds() // 3600),
            idle_minutes=int(admins.SESSION_IDLE_TIME.total_seconds() // 60),
            **context,
        )

    def account_url(request: Request, done: str) -> str:
        return f"{console.root(request)}/account?done={done}"

    @router.get("", response_model=None)
    def account(request: Request, admin: AdminPage) -> Response:
        return account_page(request, admin)

    @router.post("/sessions/end-others", response_model=None)
    def end_other_sessions(request: Request, admin: AdminForm) -> Response:
        with transaction(app_engine(request)) as session:
            admins.end_other_sessions(session, admin.live, now=utcnow())
        return see_other(account_url(request, "sessions"))

    @router.post("/password", response_model=None)
    def change_password(
        request: Request,
        admin: AdminForm,
        current_password: Annotated[str, Form(max_length=_MAX_PASSWORD)] = "",
        new_password: Annotated[str, Form(max_length=_MAX_PASSWORD)] = "",
        repeat_password: Annotated[str, Form(max_length=_MAX_PASSWORD)] = "",
    ) -> Response:
        try:
            with transaction(app_engine(request)) as session:
                admins.change_password(
                    session,
                    admin.live,
                    current_password,
                    new_password,
                    repeat_password,
                    now=utcnow(),
                )
        except InvalidData as problem:
            message = f"{problem.message} {problem.hint or ''}".strip()
            return account_page(request, admin, 422, password_error=message)
        return see_other(account_url(request, "password"))

    @router.post("/tokens", response_model=None)
    def create_token(
        request: Request,
        admin: AdminForm,
        name: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        try:
            with transaction(app_engine(request)) as session:
                issued: IssuedToken = issue_token(
                    session, admin.email or "", name, actor=admin.email or "", now=utcnow()
                )
        except InvalidData as problem:
            message = f"{problem.message} {problem.hint or ''}".strip()
            return account_page(request, admin, 422, token_error=message)
        # shown on this answer only: the token is not stored, so it cannot be shown again
        return account_page(request, admin, 200, issued=issued)

    @router.post("/tokens/{token_id}/revoke", response_model=None)
    def revoke_token(request: Request, token_id: int, admin: AdminForm) -> Response:
        with transaction(app_engine(request)) as session:
            api_tokens.revoke_own_token(session, admin.live, token_id, now=utcnow())
        return see_other(account_url(request, "revoked"))

    return router
