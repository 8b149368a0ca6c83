"""The console's pages of a review's development programmes.

List and create programmes; on a programme's page enrol people (picked from the roster or
typed as ids), record attendance and completion, and edit the costs the ROI uses. Routes
parse the form, call :mod:`colead.development.programmes` with the admin's e-mail as the actor and
show the result. A refused form comes back with what was typed and what to fix; nothing
is stored then. The small parsers here (:func:`form_date`, :func:`form_money`, ...) are
shared by the other pages of the development loop.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from colead.development import programmes
from colead.errors import ColeadError, Conflict, InvalidData, UnknownPerson
from colead.fieldwork import roster
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
from colead.web.admin.sessions import AdminSession

#: what a finished change says on the page it returns to
DONE_MESSAGES = {
    "created": "The programme was created.",
    "enrolled": "The people were enrolled.",
    "attendance": "The attendance was recorded.",
    "completion": "The completion was recorded.",
    "costs": "The costs were saved.",
}
#: the most people one form may name (a large cohort is better imported as a file)
MAX_PEOPLE = 2000
_SEPARATORS = re.compile(r"[\s,;]+")

Text200 = Annotated[str, Form(max_length=200)]
Short = Annotated[str, Form(max_length=40)]
People = Annotated[list[str], Form()]


def refused_status(refused: ColeadError | None) -> int:
    """422 for input to correct (an unknown person id included), 409 for a clash."""
    if refused is None:
        return 200
    if isinstance(refused, InvalidData | UnknownPerson):
        return 422
    return 409 if isinstance(refused, Conflict) else 404


def form_date(text: str, label: str) -> date | None:
    """A YYYY-MM-DD field (browsers send date inputs so); None when left empty."""
    tidy = text.strip()
    if not tidy:
        return None
    try:
        return date.fromisoformat(tidy)
    except ValueError:
        raise InvalidData(
            f"The {label} {tidy!r} is not a date.", "Write it as YYYY-MM-DD."
        ) from None


def form_money(text: str, label: str) -> float | None:
    """An amount of money; None when left empty. Thousands separators are allowed."""
    tidy = text.strip().replace(",", "").replace(" ", "")
    if not tidy:
        return None
    try:
        value = float(tidy)
    except ValueError:
        raise InvalidData(
            f"The {label} {text.strip()!r} is not a number.", "Give an amount such as 1500."
        ) from None
    if not math.isfinite(value):
        raise InvalidData(f"The {label} must be a finite amount.", "Give an amount such as 1500.")
    return value


def form_count(text: str, label: str) -> int | None:
    """A whole number of 0 or more; None when left empty."""
    tidy = text.strip()
    if not tidy:
        return None
    if not tidy.isdigit() or len(tidy) > 6:
        raise InvalidData(
            f"The {label} {tidy!r} is not a whole number.", "Give a number such as 4."
        )
    return int(tidy)


def person_ids(checked: list[str], typed: str = "") -> list[str]:
    """Person ids from ticked boxes and a typed list (commas, semicolons or spaces)."""
    ids = [p.strip() for p in checked] + _SEPARATORS.split(typed)
    chosen = list(dict.fromkeys(p for p in ids if p))
    if not chosen:
        raise InvalidData("No one was chosen.", "Tick at least one person or type their ids.")
    if len(chosen) > MAX_PEOPLE:
        raise InvalidData(
            f"{len(chosen)} people is more than one form takes.",
            f"Enrol at most {MAX_PEOPLE} at a time, or import an enrolments file.",
        )
    if any(len(p) > 100 for p in chosen):
        raise InvalidData("A person id is longer than 100 characters.", "Check the ids typed.")
    return chosen


@dataclass(frozen=True)
class NewProgramme:
    """The create-a-programme fields as typed."""

    name: str = ""
    provider: str = ""
    start: str = ""
    end: str = ""
    cost_per_participant: str = ""
    other_costs: str = ""


BLANK_PROGRAMME = NewProgramme()


def money_text(value: float | None) -> str:
    """An amount as the cost form shows it back: no trailing ``.0``."""
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def programmes_router(console: Console) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def programme_url(request: Request, name: str, programme: str) -> str:
        return f"{console.review_url(request, name)}/programmes/{quote_part(programme)}"

    def list_page(
        request: Request,
        name: str,
        admin: AdminSession,
        refused: ColeadError | None = None,
        entered: NewProgramme = BLANK_PROGRAMME,
    ) -> Response:
        with transaction(app_engine(request)) as session:
            listed = programmes.list_programmes(session, name)
        return console.page(
            request,
            "programmes.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            listed=listed,
            refused=refused,
            entered=entered,
            money=money_text,
        )

    @router.get("/reviews/{name}/programmes", response_model=None)
    def programme_list(request: Request, name: str, admin: AdminPage) -> Response:
        return list_page(request, name, admin)

    @router.post("/reviews/{name}/programmes", response_model=None)
    def create(
        request: Request,
        name: str,
        admin: AdminForm,
        programme: Text200 = "",
        provider: Text200 = "",
        start: Short = "",
        end: Short = "",
        cost_per_participant: Short = "",
        other_costs: Short = "",
    ) -> Response:
        entered = NewProgramme(programme, provider, start, end, cost_per_participant, other_costs)
        try:
            with transaction(app_engine(request)) as session:
                made = programmes.create_programme(
                    session,
                    name,
                    programme,
                    provider=provider.strip() or None,
                    start_date=form_date(start, "start date"),
                    end_date=form_date(end, "end date"),
                    cost_per_participant=form_money(cost_per_participant, "cost per participant"),
                    other_costs=form_money(other_costs, "other costs"),
                    actor=admin.email or "",
                )
        except (InvalidData, Conflict) as refused:
            return list_page(request, name, admin, refused, entered)
        return see_other(f"{programme_url(request, name, made.name)}?done=created")

    def detail_page(
        request: Request,
        name: str,
        programme: str,
        admin: AdminSession,
        *,
        q: str = "",
        done: str = "",
        refused: ColeadError | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        wanted = " ".join(q.split())
        with transaction(app_engine(request)) as session:
            detail = programmes.show_programme(session, name, programme)
            found = roster.people(session, name, wanted) if wanted else None
        enrolled = {e.person_id for e in detail.enrolments}
        return console.page(
            request,
            "programme.html.j2",
            admin,
            status=refused_status(refused),
            name=name,
            review_url=console.review_url(request, name),
            programme_url=programme_url(request, name, detail.summary.name),
            detail=detail,
            summary=detail.summary,
            q=wanted,
            found=found,
            enrolled=enrolled,
            done=DONE_MESSAGES.get(done, ""),
            refused=refused,
            entered=entered or {},
            money=money_text,
        )

    @router.get("/reviews/{name}/programmes/{programme}", response_model=None)
    def programme_page(
        request: Request,
        name: str,
        programme: str,
        admin: AdminPage,
        q: Annotated[str, Query(max_length=200)] = "",
        done: Annotated[str, Query(max_length=20)] = "",
    ) -> Response:
        return detail_page(request, name, programme, admin, q=q, done=done)

    @router.post("/reviews/{name}/programmes/{programme}/enrol", response_model=None)
    def enrol(
        request: Request,
        name: str,
        programme: str,
        admin: AdminForm,
        person: People = [],  # noqa: B006 (FastAPI copies form defaults)
        ids: Annotated[str, Form(max_length=20_000)] = "",
        q: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        try:
            chosen = person_ids(person, ids)
            with transaction(app_engine(request)) as session:
                programmes.enrol(session, name, programme, chosen, actor=admin.email or "")
        except (InvalidData, UnknownPerson) as refused:
            return detail_page(
                request, name, programme, admin, q=q, refused=refused, entered={"ids": ids}
            )
        return see_other(f"{programme_url(request, name, programme)}?done=enrolled")

    @router.post("/reviews/{name}/programmes/{programme}/attendance", response_model=None)
    def attendance(
        request: Request,
        name: str,
        programme: str,
        admin: AdminForm,
        person: Annotated[str, Form(max_length=100)] = "",
        attended: Short = "",
        of: Short = "",
    ) -> Response:
        try:
            count = form_count(attended, "sessions attended")
            if count is None:
                raise InvalidData("Give the number of sessions attended.", "Give 0 or more.")
            with transaction(app_engine(request)) as session:
                programmes.record_attendance(
                    session,
                    name,
                    programme,
                    person,
                    count,
                    form_count(of, "sessions held"),
                    actor=admin.email or "",
                )
        except InvalidData as refused:
            entered = {"person": person, "attended": attended, "of": of}
            return detail_page(request, name, programme, admin, refused=refused, entered=entered)
        return see_other(f"{programme_url(request, name, programme)}?done=attendance")

    @router.post("/reviews/{name}/programmes/{programme}/completion", response_model=None)
    def completion(
        request: Request,
        name: str,
        programme: str,
        admin: AdminForm,
        person: Annotated[str, Form(max_length=100)] = "",
        completed: Annotated[str, Form(max_length=5)] = "1",
    ) -> Response:
        with transaction(app_engine(request)) as session:
            programmes.set_completed(
                session, name, programme, [person], completed == "1", actor=admin.email or ""
            )
        return see_other(f"{programme_url(request, name, programme)}?done=completion")

    @router.post("/reviews/{name}/programmes/{programme}/costs", response_model=None)
    def costs(
        request: Request,
        name: str,
        programme: str,
        admin: AdminForm,
        cost_per_participant: Short = "",
        other_costs: Short = "",
    ) -> Response:
        try:
            with transaction(app_engine(request)) as session:
                programmes.set_costs(
                    session,
                    name,
                    programme,
                    cost_per_participant=form_money(cost_per_participant, "cost per participant"),
                    other_costs=form_money(other_costs, "other costs"),
                    actor=admin.email or "",
                )
        except InvalidData as refused:
            entered = {"cost_per_participant": cost_per_participant, "other_costs": other_costs}
            return detail_page(request, name, programme, admin, refused=refused, entered=entered)
        return see_other(f"{programme_url(request, name, programme)}?done=costs")

    return router
