"""Development plans and actions: personal plans (``action.plan_id`` set) and the review's
own improvement actions (``plan_id`` NULL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.store.schema import Action, DevelopmentPlan, Person, Review, Wave, utcnow
from colead.store.schema_console import MailEvent

__all__ = [
    "ActionRow",
    "PersonRow",
    "PlanRow",
    "action_rows",
    "add_action",
    "add_plan",
    "direct_report_ids",
    "find_plan",
    "get_action",
    "get_plan",
    "people_by_external_id",
    "plan_actions_frame",
    "plan_rows",
    "recently_reminded",
    "review_name",
    "save_action",
]


@dataclass(frozen=True)
class PersonRow:
    id: int
    external_id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class ActionRow:
    """One action with its plan and the plan's person (all None for a review-level action)."""

    id: int
    review_id: int
    plan_id: int | None
    practice_id: str | None
    description: str
    owner: str | None
    due_date: date | None
    status: str
    plan_status: str | None
    wave: str | None
    person_id: int | None
    person: str | None
    person_name: str | None


def people_by_external_id(
    session: Session, review_id: int, external_ids: Sequence[str] | None = None
) -> dict[str, PersonRow]:
    """People of a review by their external id (all of them when ``external_ids`` is None)."""
    query = select(Person).where(Person.review_id == review_id)
    if external_ids is not None:
        query = query.where(Person.external_id.in_(list(external_ids)))
    return {
        p.external_id: PersonRow(p.id, p.external_id, p.name, p.email)
        for p in session.scalars(query)
    }


def find_plan(session: Session, person_id: int, wave_id: int) -> DevelopmentPlan | None:
    """The first plan of a person for a wave (plans are made once per person and wave)."""
    return session.scalars(
        select(DevelopmentPlan)
        .where(DevelopmentPlan.person_id == person_id, DevelopmentPlan.wave_id == wave_id)
        .order_by(DevelopmentPlan.id)
    ).first()


def get_plan(session: Session, plan_id: int) -> DevelopmentPlan | None:
    return session.get(DevelopmentPlan, plan_id)


def get_action(session: Session, action_id: int) -> Action | None:
    return session.get(Action, action_id)


def add_plan(
    session: Session, person_id: int, wave_id: int | None, notes: str | None = None
) -> DevelopmentPlan:
    plan = DevelopmentPlan(
        person_id=person_id, wave_id=wave_id, status="draft", notes=notes, created_at=utcnow()
    )
    session.add(plan)
    session.flush()
    return plan


def add_action(
    session: Session,
    *,
    review_id: int,
    plan_id: int | None,
    description: str,
    practice_id: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    flush: bool = True,
) -> Action:
    """Add one action; with ``flush`` False its id is set at the session's next flush, which
    lets a caller adding thousands write them in one go."""
    now = utcnow()
    row = Action(
        review_id=review_id,
        plan_id=plan_id,
        practice_id=practice_id,
        description=description,
        owner=owner,
        due_date=due_date,
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


def actions_by_id(session: Session, action_ids: Sequence[int]) -> dict[int, Action]:
    """The actions of ``action_ids`` that exist, loaded in one query."""
    if not action_ids:
        return {}
    return {a.id: a for a in session.scalars(select(Action).where(Action.id.in_(action_ids)))}


def save_action(session: Session, row: Action) -> None:
    """Stamp a changed action and write it out."""
    row.updated_at = utcnow()
    session.flush()


def _rows_query() -> Any:
    return (
        select(Action, DevelopmentPlan, Person, Wave.name)
        .outerjoin(DevelopmentPlan, Action.plan_id == DevelopmentPlan.id)
        .outerjoin(Person, DevelopmentPlan.person_id == Person.id)
        .outerjoin(Wave, DevelopmentPlan.wave_id == Wave.id)
    )


def action_rows(
    session: Session,
    *,
    review_id: int | None = None,
    plans: bool | None = None,
    person_id: int | None = None,
    open_due_before: date | None = None,
    plan_ids: Sequence[int] | None = None,
) -> list[ActionRow]:
    """Actions, by person (external id), due date and id.

    ``plans``: True for plan actions only, False for review-level ones, None for both.
    ``open_due_before``: only actions still open or in progress whose due date is before it.
    ``plan_ids``: only the actions of these plans.
    """
    query = _rows_query()
    if review_id is not None:
        query = query.where(Action.review_id == review_id)
    if plans is True:
        query = query.where(Action.plan_id.is_not(None))
    elif plans is False:
        query = query.where(Action.plan_id.is_(None))
    if person_id is not None:
        query = query.where(DevelopmentPlan.person_id == person_id)
    if plan_ids is not None:
        query = query.where(Action.plan_id.in_(list(plan_ids)))
    if open_due_before is not None:
        query = query.where(
            Action.status.in_(("open", "in_progress")), Action.due_date < open_due_before
        )
    # NULLs sort differently on SQLite and PostgreSQL: put them last explicitly.
    query = query.order_by(
        Person.external_id.is_(None),
        Person.external_id,
        Action.due_date.is_(None),
        Action.due_date,
        Action.id,
    )
    return [
        ActionRow(
            id=a.id,
            review_id=a.review_id,
            plan_id=a.plan_id,
            practice_id=a.practice_id,
            description=a.description,
            owner=a.owner,
            due_date=a.due_date,
            status=a.status,
            plan_status=plan.status if plan is not None else None,
            wave=wave,
            person_id=person.id if person is not None else None,
            person=person.external_id if person is not None else None,
            person_name=person.name if person is not None else None,
        )
        for a, plan, person, wave in session.execute(query).all()
    ]


def plan_actions_frame(session: Session, review_id: int) -> pd.DataFrame:
    """``person_id`` (external id), ``practice_id``, ``status`` of every plan action of a
    review: what the evaluation counts as application of the programme."""
    query = (
        select(Person.external_id, Action.practice_id, Action.status)
        .join(DevelopmentPlan, Action.plan_id == DevelopmentPlan.id)
        .join(Person, DevelopmentPlan.person_id == Person.id)
        .where(Action.review_id == review_id)
        .order_by(Person.external_id, Action.id)
    )
    rows = [tuple(r) for r in session.execute(query)]
    return pd.DataFrame(rows, columns=["person_id", "practice_id", "status"])


def recently_reminded(session: Session, kind: str, since: datetime) -> set[int]:
    """Ids of people sent a letter of ``kind`` at or after ``since``."""
    query = select(MailEvent.person_id).where(
        MailEvent.kind == kind,
        MailEvent.status == "sent",
        MailEvent.at >= since,
        MailEvent.person_id.is_not(None),
    )
    return {int(p) for p in session.scalars(query) if p is not None}


def review_name(session: Session, review_id: int) -> str:
    found = session.get(Review, review_id)
    return found.name if found is not None else str(review_id)


@dataclass(frozen=True)
class PlanRow:
    """A development plan with its person and wave."""

    id: int
    person_id: int
    person: str
    person_name: str
    wave: str | None
    status: str
    notes: str | None


def plan_rows(
    session: Session,
    review_id: int,
    *,
    person_ids: Sequence[int] | None = None,
    plan_id: int | None = None,
) -> list[PlanRow]:
    """Plans of a review's people (only of ``person_ids``, or only ``plan_id``, when
    given), by person and plan id."""
    query = (
        select(DevelopmentPlan, Person, Wave.name)
        .join(Person, DevelopmentPlan.person_id == Person.id)
        .outerjoin(Wave, DevelopmentPlan.wave_id == Wave.id)
        .where(Person.review_id == review_id)
        .order_by(Person.external_id, DevelopmentPlan.id)
    )
    if person_ids is not None:
        query = query.where(Person.id.in_(list(person_ids)))
    if plan_id is not None:
        query = query.where(DevelopmentPlan.id == plan_id)
    return [
        PlanRow(plan.id, person.id, person.external_id, person.name, wave, plan.status, plan.notes)
        for plan, person, wave in session.execute(query).all()
    ]


def direct_report_ids(session: Session, manager_id: int) -> list[int]:
    """Database ids of the people whose line manager is ``manager_id``."""
    return list(
        session.scalars(
            select(Person.id).where(Person.manager_id == manager_id).order_by(Person.id)
        )
    )
