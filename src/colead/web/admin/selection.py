"""The console's selection page: who to develop, from the latest closed wave's evidence.

People and sites are ranked by need (:mod:`colead.development.selection`) across every level; a
cohort (a programme's enrolled people, or the people ticked on the page) is checked for its
level mix, with the warning when it is drawn only from the top levels. Ticked people can
be enrolled into a programme from here. What the selection withholds under the anonymity
minimum (scores of people with too few observers, sites with too few people) stays out of
the page: it shows only what :func:`colead.development.selection.select_participants` returns.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.development import programmes
from colead.development.selection import SelectionReport, select_participants
from colead.domain import WaveStatus
from colead.errors import ColeadError, InvalidData, NotFound, UnknownPerson
from colead.fieldwork.lifecycle import review_waves
from colead.framework import load_framework
from colead.store import transaction
from colead.store.reviews import get_review
from colead.web.admin.console import (
    PREFIX,
    AdminForm,
    AdminPage,
    Console,
    app_engine,
    quote_part,
    see_other,
)
from colead.web.admin.programmes import People, person_ids, refused_status
from colead.web.admin.sessions import AdminSession

#: people listed before "show everyone": the ranking's head is what a cohort is drawn from
SHOWN_PEOPLE = 50

Name = Annotated[str, Query(max_length=200)]


def selection_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def page(
        request: Request,
        name: str,
        admin: AdminSession,
        *,
        wave: str = "",
        programme: str = "",
        cohort: list[str] | None = None,
        show_all: bool = False,
        refused: ColeadError | None = None,
    ) -> Response:
        engine = app_engine(request)
        with transaction(engine) as session:
            get_review(session, name)
            closed = [w.name for w in review_waves(session, name) if w.status is WaveStatus.closed]
            names = programmes.list_programmes(session, name)
        chosen = wave if wave in closed else (closed[-1] if closed else "")
        report: SelectionReport | None = None
        # ticked people are the cohort when given; else the chosen programme's enrolled
        from_programme = (programme or None) if cohort is None else None
        if chosen:
            report = select_participants(
                engine,
                name,
                chosen,
                console.settings.anonymity_minimum,
                cohort=cohort,
                cohort_source="the people ticked" if cohort is not None else None,
                programme=from_programme,
            )
        framework = load_framework(console.settings.framework_path)
        titles = {s.id: s.title for s in framework.scales}
        people = report.selection.people if report is not None else ()
        ticked = set(cohort or ())
        return console.page(
            request,
            "selection.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            closed=closed,
            wave=chosen,
            report=report,
            # ticked people stay on the page even beyond the head, to be enrolled next
            people=[
                p
                for rank, p in enumerate(people)
                if show_all or rank < SHOWN_PEOPLE or p.person_id in ticked
            ],
            show_all=show_all or len(people) <= SHOWN_PEOPLE,
            ticked=ticked,
            titles=titles,
            programmes=[p.name for p in names],
            programme=programme,
            refused=refused,
        )

    @router.get("/reviews/{name}/selection", response_model=None)
    def selection(
        request: Request,
        name: str,
        admin: AdminPage,
        wave: Name = "",
        programme: Name = "",
        everyone: Annotated[str, Query(max_length=1)] = "",
    ) -> Response:
        return page(request, name, admin, wave=wave, programme=programme, show_all=everyone == "1")

    @router.post("/reviews/{name}/selection", response_model=None)
    def act(
        request: Request,
        name: str,
        admin: AdminForm,
        person: People = [],  # noqa: B006 (FastAPI copies form defaults)
        wave: Annotated[str, Form(max_length=200)] = "",
        programme: Annotated[str, Form(max_length=200)] = "",
        do: Annotated[str, Form(max_length=10)] = "check",
        everyone: Annotated[str, Form(max_length=1)] = "",
    ) -> Response:
        """``do=check`` shows the level mix of the ticked people (nothing is stored);
        ``do=enrol`` enrols them into the chosen programme."""
        try:
            chosen = person_ids(person)
            if do == "enrol":
                if not programme:
                    raise InvalidData(
                        "Choose the programme to enrol them into.",
                        "Create one on the programmes page first if there is none.",
                    )
                with transaction(app_engine(request)) as session:
                    programmes.enrol(session, name, programme, chosen, actor=admin.email or "")
                url = f"{console.review_url(request, name)}/programmes/{quote_part(programme)}"
                return see_other(f"{url}?done=enrolled")
        except (InvalidData, UnknownPerson) as refused:
            return page(
                request,
                name,
                admin,
                wave=wave,
                programme=programme,
                cohort=None,
                show_all=everyone == "1",
                refused=refused,
            )
        except NotFound as refused:  # a programme deleted meanwhile: say so on the page
            return page(request, name, admin, wave=wave, refused=refused)
        return page(request, name, admin, wave=wave, cohort=chosen, show_all=everyone == "1")

    return router
