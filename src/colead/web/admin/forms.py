"""The console's pages of one wave's forms: the response-rate dashboard and the form list.

The form list adds and removes forms of draft and open waves. Its POST addresses sit one
level below ``/forms`` because ``/waves/{wave}/{action}`` already belongs to the open and
close buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.domain import RELATION_LABELS, Relation
from colead.errors import ColeadError, Conflict, InvalidData
from colead.fieldwork import roster
from colead.store import transaction
from colead.store.roster import FORM_STATUSES
from colead.web.admin.console import (
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)
from colead.web.admin.sessions import AdminSession

#: how each form status is worded on the pages
STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "submitted": "Submitted",
}


@dataclass(frozen=True)
class NewForm:
    """The add-a-form fields as typed."""

    rater_id: str = ""
    ratee_id: str = ""
    relation: str = ""


BLANK_FORM = NewForm()


def refused_status(refused: ColeadError | None) -> int:
    """The status of a page shown again with a refused form: 422 for invalid input, 409
    for a clash with what is stored."""
    if refused is None:
        return 200
    return 422 if isinstance(refused, InvalidData) else 409


PersonId = Annotated[str, Form(max_length=100)]


def forms_router(console: Console) -> APIRouter:
    router = APIRouter()

    def wave_url(request: Request, name: str, wave: str) -> str:
        return f"{console.review_url(request, name)}/waves/{quote_part(wave)}"

    @router.get("/reviews/{name}/waves/{wave}/progress", response_model=None)
    def progress(request: Request, name: str, wave: str, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            shown = roster.wave_progress(session, name, wave)
        return console.page(
            request,
            "progress.html.j2",
            admin,
            name=name,
            review_url=console.review_url(request, name),
            wave_url=wave_url(request, name, wave),
            progress=shown,
        )

    def forms_page(
        request: Request,
        name: str,
        wave: str,
        admin: AdminSession,
        chosen: roster.FormFilter,
        page: int = 1,
        refused: ColeadError | None = None,
        entered: NewForm = BLANK_FORM,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            listed = roster.wave_forms(session, name, wave, chosen, page)
        filters = {
            key: value
            for key, value in (
                ("status", chosen.status),
                ("relation", chosen.relation),
                ("q", chosen.search),
            )
            if value
        }
        return console.page(
            request,
            "forms.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            wave_url=wave_url(request, name, wave),
            listed=listed,
            chosen=chosen,
            filter_query=urlencode(filters),
            statuses=FORM_STATUSES,
            status_labels=STATUS_LABELS,
            relations=[(r.value, RELATION_LABELS[r]) for r in Relation],
            relation_labels={r.value: RELATION_LABELS[r] for r in Relation},
            refused=refused,
            entered=entered,
        )

    @router.get("/reviews/{name}/waves/{wave}/forms", response_model=None)
    def forms(
        request: Request,
        name: str,
        wave: str,
        admin: AdminPage,
        status: Annotated[str, Query(max_length=20)] = "",
        relation: Annotated[str, Query(max_length=20)] = "",
        q: Annotated[str, Query(max_length=200)] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> Response:
        chosen = roster.FormFilter(status=status, relation=relation, search=q)
        return forms_page(request, name, wave, admin, chosen, page)

    @router.post("/reviews/{name}/waves/{wave}/forms/add", response_model=None)
    def add_form(
        request: Request,
        name: str,
        wave: str,
        admin: AdminForm,
        rater_id: PersonId = "",
        ratee_id: PersonId = "",
        relation: Annotated[str, Form(max_length=20)] = "",
    ) -> Response:
        try:
            with transaction(app_engine(request)) as session:
                roster.add_form(
                    session,
                    name,
                    wave,
                    rater_id=rater_id,
                    ratee_id=ratee_id,
                    relation=relation,
                    actor=admin.email or "",
                )
        except (InvalidData, Conflict) as refused:
            # The form comes back with what was typed and what to fix; nothing was stored.
            entered = NewForm(rater_id, ratee_id, relation)
            return forms_page(
                request, name, wave, admin, roster.FormFilter(), refused=refused, entered=entered
            )
        query = urlencode({"q": rater_id.strip()})
        return see_other(f"{wave_url(request, name, wave)}/forms?{query}")

    @router.post("/reviews/{name}/waves/{wave}/forms/{form_id}/remove", response_model=None)
    def remove_form(
        request: Request, name: str, wave: str, form_id: int, admin: AdminForm
    ) -> Response:
        with transaction(app_engine(request)) as session:
            roster.remove_form(session, name, wave, form_id, actor=admin.email or "")
        return see_other(f"{wave_url(request, name, wave)}/forms")

    return router
