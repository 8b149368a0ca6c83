"""The admin console's routes: log in, see reviews and waves, open and close waves, upload.

Every page needs a logged-in admin (others are sent to the login page) and every POST form carries
its session's CSRF token (a missing or wrong one is refused with 403 before anything changes). The
work itself is done by ``colead.accounts.admins``, ``colead.fieldwork.lifecycle`` and
``colead.ingest.importing``, with the admin's e-mail as the actor in the audit log; domain errors
reach the app's error page. Every POST that changes something ends in a redirect, except an upload,
whose result is the page it shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response

from colead.accounts import admins
from colead.errors import InvalidData, LoginFailed, NotFound
from colead.fieldwork.lifecycle import WaveInfo, close_wave, open_wave, review_waves
from colead.ingest import uploads
from colead.ingest.columns import KINDS
from colead.ingest.importing import FORMATS, import_file
from colead.ingest.uploads import review_folder
from colead.store import transaction
from colead.store.reviews import get_review, list_review_names
from colead.store.schema import utcnow
from colead.web import render
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    csrf_refused_page,
    login_redirect,
    quote_part,
    see_other,
)
from colead.web.admin.sessions import (
    AdminSession,
    csrf_matches,
    end_session,
    new_session,
    start_session,
)
from colead.web.limits import client_address, too_many_attempts_page

_REJECTED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.rejected\.csv")


@dataclass(frozen=True)
class ReviewSummary:
    name: str
    waves: list[WaveInfo]


def response_rate(wave: WaveInfo) -> str:
    """Submitted forms as a share of the wave's forms, e.g. ``42%`` (``–`` without forms)."""
    if not wave.assignments:
        return "–"
    return f"{100 * wave.completed / wave.assignments:.0f}%"


def admin_router(console: Console) -> APIRouter:
    """The console's login, review list, wave changes and uploads under ``/admin``."""
    router = APIRouter(prefix=PREFIX)

    def login_page(
        request: Request, session: AdminSession | None, error: str = "", status: int = 200
    ) -> HTMLResponse:
        fresh = session or new_session()
        response = render.page(
            "admin/login.html.j2",
            status,
            root=console.root(request),
            admin=None,
            csrf=fresh.csrf,
            error=error,
        )
        if session is None:
            console.cookies.write(response, fresh)
        return response

    @router.get("/login", response_model=None)
    def login_form(request: Request) -> Response:
        if console.admin_of(request) is not None:
            return see_other(f"{console.root(request)}/")
        return login_page(request, console.session_of(request))

    @router.post("/login", response_model=None)
    def login(
        request: Request,
        email: Annotated[str, Form(max_length=320)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        session = console.session_of(request)
        if not csrf_matches(session, csrf):
            return csrf_refused_page(request)
        engine, client, now = app_engine(request), client_address(request.scope), utcnow()
        with transaction(engine) as db:
            retry_after = admins.login_retry_after(db, client, now=now)
        if retry_after is not None:  # refused before the password is even looked at
            return too_many_attempts_page(request, retry_after)
        try:
            account = admins.login(
                engine, email, password, now=now, client=client, checks=console.password_checks
            )
        except LoginFailed as failure:
            message = f"{failure.message} {failure.hint or ''}".strip()
            return login_page(request, session, message, 401)
        response = see_other(f"{console.root(request)}/")
        console.cookies.write(response, start_session(request, account))
        return response

    @router.post("/logout", response_model=None)
    def logout(request: Request, admin: AdminForm) -> Response:
        end_session(request, admin)
        response = login_redirect(request)
        console.cookies.clear(response)
        return response

    @router.get("/", response_model=None)
    def reviews(request: Request, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            summaries = [
                ReviewSummary(name, review_waves(session, name))
                for name in list_review_names(session)
            ]
        return console.page(
            request, "reviews.html.j2", admin, reviews=summaries, rate=response_rate
        )

    @router.get("/reviews/{name}", response_model=None)
    def review(request: Request, name: str, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            get_review(session, name)
            waves = review_waves(session, name)
        return console.page(
            request, "review.html.j2", admin, name=name, waves=waves, rate=response_rate
        )

    @router.post("/reviews/{name}/waves/{wave}/{action}", response_model=None)
    def change_wave(
        request: Request,
        name: str,
        wave: str,
        action: str,
        admin: AdminForm,
        reopen: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        if action not in ("open", "close"):
            raise NotFound(f"A wave cannot be {action!r}ed.", "Use the buttons on the review page.")
        actor = admin.email or ""
        with transaction(app_engine(request)) as session:
            if action == "open":
                open_wave(session, name, wave, reopen=reopen == "1", actor=actor)
            else:
                close_wave(
                    session,
                    name,
                    wave,
                    minimum=console.settings.anonymity_minimum,
                    actor=actor,
                )
        return see_other(console.review_url(request, name))

    def known_review(request: Request, name: str) -> list[WaveInfo]:
        with transaction(app_engine(request)) as session:
            get_review(session, name)
            return review_waves(session, name)

    def upload_page(
        request: Request, admin: AdminSession, name: str, **context: Any
    ) -> HTMLResponse:
        return console.page(
            request,
            "upload.html.j2",
            admin,
            name=name,
            waves=known_review(request, name),
            kinds=KINDS,
            formats=FORMATS,
            review_url=console.review_url(request, name),
            **context,
        )

    @router.get("/reviews/{name}/upload", response_model=None)
    def upload_form(request: Request, name: str, admin: AdminPage) -> Response:
        return upload_page(request, admin, name, outcome=None, rejected_url="")

    @router.post("/reviews/{name}/upload", response_model=None)
    def upload(
        request: Request,
        name: str,
        admin: AdminForm,
        file: Annotated[UploadFile | None, File()] = None,
        kind: Annotated[str, Form(max_length=20)] = "",
        wave: Annotated[str, Form(max_length=100)] = "",
        file_format: Annotated[str, Form(max_length=20)] = "auto",
        unfinished: Annotated[str, Form(max_length=10)] = "keep",
    ) -> Response:
        known_review(request, name)
        if kind not in KINDS:
            raise InvalidData(
                f"Unknown import kind {kind!r}.", f"Choose one of {', '.join(KINDS)}."
            )
        if file is None or not file.filename:
            raise InvalidData("No file was chosen.", "Choose a CSV or XLSX file to upload.")
        stored = store_upload(review_folder(console.data_dir, name), file)
        outcome = import_file(
            console.settings.database_url,
            kind,
            stored,
            review=name,
            wave=wave.strip() or None,
            file_format=file_format,
            actor=admin.email or "",
            minimum=console.settings.anonymity_minimum,
            unfinished=unfinished,
        )
        rejected_url = (
            f"{console.review_url(request, name)}/rejected/{quote_part(outcome.quarantine.name)}"
            if outcome.quarantine is not None
            else ""
        )
        return upload_page(request, admin, name, outcome=outcome, rejected_url=rejected_url)

    @router.get("/reviews/{name}/rejected/{file}", response_model=None)
    def rejected(request: Request, name: str, file: str, admin: AdminPage) -> Response:
        missing = NotFound(
            f"Review {name!r} has no rejected-rows file {file!r}.",
            "Upload the file again to see its rejected rows.",
        )
        if not _REJECTED_NAME.fullmatch(file) or ".." in file:
            raise missing
        known_review(request, name)
        folder = review_folder(console.data_dir, name).resolve()
        path = (folder / file).resolve()
        if path.parent != folder or not path.is_file():
            raise missing
        return FileResponse(
            path,
            media_type="text/csv; charset=utf-8",
            filename=file,
            headers=render.SECURITY_HEADERS,
        )

    return router


def store_upload(folder: Path, upload: UploadFile) -> Path:
    """Copy an uploaded file into ``folder`` (:func:`colead.ingest.uploads.store_upload`)."""
    return uploads.store_upload(folder, upload.file, upload.filename or "")
