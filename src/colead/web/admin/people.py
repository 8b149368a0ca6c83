"""The console's pages of a review's organisations, sites, people, forms and nominations.

Routes parse the form or query, call ``colead.fieldwork.roster`` with the admin's e-mail as the
actor, and show the result; domain errors reach the app's error page. The wave pages
(progress and forms) live in ``admin_forms`` and are included here.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote_plus

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.domain import LEVEL_LABELS
from colead.errors import ColeadError, Conflict, InvalidData
from colead.fieldwork import roster
from colead.framework import load_framework
from colead.store import transaction
from colead.web.admin.console import PREFIX, AdminForm, AdminPage, Console, app_engine, see_other
from colead.web.admin.forms import forms_router, refused_status
from colead.web.admin.sessions import AdminSession

#: the add-a-person form before anything is typed
BLANK_PERSON = roster.NewPerson(external_id="", name="")
#: the longest search text accepted (longer ones cannot match any stored field)
MAX_SEARCH = 200


Text200 = Annotated[str, Form(max_length=200)]
Search = Annotated[str, Query(max_length=MAX_SEARCH)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


def people_router(console: Console) -> APIRouter:
    """Create reviews and waves; list and add people; organisations and sites."""
    router = APIRouter(prefix=PREFIX)

    @router.post("/reviews", response_model=None)
    def create_review(
        request: Request,
        admin: AdminForm,
        name: Text200 = "",
        description: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        with transaction(app_engine(request)) as session:
            review = roster.create_review(session, name, description, actor=admin.email or "")
            created = review.name
        return see_other(console.review_url(request, created))

    @router.post("/reviews/{name}/waves", response_model=None)
    def create_wave(
        request: Request,
        name: str,
        admin: AdminForm,
        wave: Annotated[str, Form(max_length=100)] = "",
        period: Annotated[str, Form(max_length=20)] = "",
    ) -> Response:
        default = load_framework(console.settings.framework_path)
        with transaction(app_engine(request)) as session:
            roster.add_wave(
                session, name, wave, default, period=period.strip(), actor=admin.email or ""
            )
        return see_other(console.review_url(request, name))

    def people_page(
        request: Request,
        name: str,
        admin: AdminSession,
        q: str = "",
        page: int = 1,
        refused: ColeadError | None = None,
        entered: roster.NewPerson = BLANK_PERSON,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            listed = roster.people(session, name, q, page)
        return console.page(
            request,
            "people.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            q=q,
            listed=listed,
            levels=LEVEL_LABELS,
            refused=refused,
            entered=entered,
        )

    @router.get("/reviews/{name}/people", response_model=None)
    def people(
        request: Request, name: str, admin: AdminPage, q: Search = "", page: PageNumber = 1
    ) -> Response:
        return people_page(request, name, admin, q, page)

    @router.post("/reviews/{name}/people", response_model=None)
    def add_person(
        request: Request,
        name: str,
        admin: AdminForm,
        person_id: Annotated[str, Form(max_length=100)] = "",
        person_name: Text200 = "",
        email: Annotated[str, Form(max_length=320)] = "",
        organisation: Text200 = "",
        site: Text200 = "",
        level: Annotated[str, Form(max_length=10)] = "",
        role_title: Text200 = "",
        manager_id: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        person = roster.NewPerson(
            external_id=person_id,
            name=person_name,
            email=email,
            organisation=organisation,
            site=site,
            level=level,
            role_title=role_title,
            manager_id=manager_id,
        )
        try:
            with transaction(app_engine(request)) as session:
                roster.add_person(session, name, person, actor=admin.email or "")
        except (InvalidData, Conflict) as refused:
            # The form comes back with what was typed and what to fix; nothing was stored.
            return people_page(request, name, admin, refused=refused, entered=person)
        # Show the new person: a search for their id finds them on the first page.
        url = f"{console.review_url(request, name)}/people?q={quote_plus(person_id.strip())}"
        return see_other(url)

    @router.get("/reviews/{name}/organisations", response_model=None)
    def organisations(request: Request, name: str, admin: AdminPage) -> Response:
        with transaction(app_engine(request)) as session:
            groups = roster.organisations(session, name)
        return console.page(
            request,
            "organisations.html.j2",
            admin,
            name=name,
            review_url=console.review_url(request, name),
            groups=groups,
        )

    router.include_router(forms_router(console))
    return router
