"""The console's nominations page of a wave: approve or decline the raters participants
proposed. The work is done by :mod:`colead.fieldwork.nominations`, with the admin as the actor in
the audit log; a closed wave or a decided nomination is refused there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from colead.errors import InvalidData, NotFound
from colead.fieldwork.nominations import (
    Placement,
    approve_nominations,
    decline_nominations,
    wave_nominations,
)
from colead.store import transaction
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)

_WAVE = "/reviews/{name}/waves/{wave}/nominations"


def _number(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound(f"There is no {what} {text!r}.", "Use the buttons on the page.")
    return int(text)


def nominations_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def page_url(request: Request, name: str, wave: str) -> str:
        return f"{console.review_url(request, name)}/waves/{quote_part(wave)}/nominations"

    @router.get(_WAVE, response_model=None)
    def nominations_page(request: Request, name: str, wave: str, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            found = wave_nominations(session, name, wave)
        return console.page(
            request,
            "nominations.html.j2",
            admin,
            page=found,
            review_url=console.review_url(request, name),
            page_url=page_url(request, found.review, found.wave),
            levels=range(1, 6),
        )

    @router.post(_WAVE + "/{nomination}/approve", response_model=None)
    def approve(
        request: Request,
        name: str,
        wave: str,
        nomination: str,
        admin: AdminForm,
        organisation: Annotated[str, Form(max_length=200)] = "",
        site: Annotated[str, Form(max_length=200)] = "",
        level: Annotated[str, Form(max_length=2)] = "",
        external_id: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        if level and not (level.isdigit() and 1 <= int(level) <= 5):
            raise InvalidData(f"Level {level!r} is not between 1 and 5.", "Choose a level.")
        placement = Placement(
            organisation=organisation.strip() or None,
            site=site.strip() or None,
            level=int(level) if level else None,
            external_id=external_id.strip() or None,
        )
        with transaction(app_engine(request)) as session:
            approve_nominations(
                session,
                name,
                wave,
                [_number(nomination, "nomination")],
                actor=admin.email or "",
                placement=placement,
            )
        return see_other(page_url(request, name, wave))

    @router.post(_WAVE + "/{nomination}/decline", response_model=None)
    def decline(
        request: Request,
        name: str,
        wave: str,
        nomination: str,
        admin: AdminForm,
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        with transaction(app_engine(request)) as session:
            decline_nominations(
                session,
                name,
                wave,
                [_number(nomination, "nomination")],
                actor=admin.email or "",
                note=note,
            )
        return see_other(page_url(request, name, wave))

    @router.post(_WAVE + "/approve-pending", response_model=None)
    def approve_all(request: Request, name: str, wave: str, admin: AdminForm) -> Response:
        with transaction(app_engine(request)) as session:
            approve_nominations(session, name, wave, None, actor=admin.email or "")
        return see_other(page_url(request, name, wave))

    return router
