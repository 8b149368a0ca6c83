"""Development programmes and their enrolments: create, list, enrol, attendance, completion.

Importing enrolments from files goes through :mod:`colead.store.outcomes`; this module
serves the one-at-a-time changes of the command line and the admin console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from colead.store.schema import Enrolment, Person, Programme


@dataclass(frozen=True)
class ProgrammeRow:
    """A programme with its enrolment counts."""

    id: int
    name: str
    provider: str | None
    start_date: date | None
    end_date: date | None
    cost_per_participant: float | None
    other_costs: float | None
    enrolled: int
    completed: int
    #: attendance summed over the enrolments that have a record of it
    sessions_attended: int
    sessions_total: int
    with_attendance: int


@dataclass(frozen=True)
class EnrolmentRow:
    person_id: str
    name: str
    start_date: date | None
    end_date: date | None
    completed: bool
    sessions_attended: int | None
    sessions_total: int | None


def find_programme(session: Session, review_id: int, name: str) -> Programme | None:
    return session.scalars(
        select(Programme).where(Programme.review_id == review_id, Programme.name == name)
    ).one_or_none()


def programme_names(session: Session, review_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Programme.name).where(Programme.review_id == review_id).order_by(Programme.name)
        )
    )


def add_programme(
    session: Session,
    review_id: int,
    name: str,
    *,
    provider: str | None,
    start_date: date | None,
    end_date: date | None,
    cost_per_participant: float | None,
    other_costs: float | None,
) -> Programme:
    programme = Programme(
        review_id=review_id,
        name=name,
        provider=provider,
        start_date=start_date,
        end_date=end_date,
        cost_per_participant=cost_per_participant,
        other_costs=other_costs,
    )
    session.add(programme)
    session.flush()
    return programme


def programme_rows(
    session: Session, review_id: int, programme_id: int | None = None
) -> list[ProgrammeRow]:
    """Programmes of a review (or one of them) with counts, in name order; one query."""
    done = func.sum(case((Enrolment.completed.is_(True), 1), else_=0))
    recorded = func.sum(case((Enrolment.sessions_total.is_not(None), 1), else_=0))
    query = (
        select(
            Programme.id,
            Programme.name,
            Programme.provider,
            Programme.start_date,
            Programme.end_date,
            Programme.cost_per_participant,
            Programme.other_costs,
            func.count(Enrolment.id),
            func.coalesce(done, 0),
            func.coalesce(func.sum(Enrolment.sessions_attended), 0),
            func.coalesce(func.sum(Enrolment.sessions_total), 0),
            func.coalesce(recorded, 0),
        )
        .outerjoin(Enrolment, Enrolment.programme_id == Programme.id)
        .where(Programme.review_id == review_id)
        .group_by(Programme.id)
        .order_by(Programme.name)
    )
    if programme_id is not None:
        query = query.where(Programme.id == programme_id)
    return [ProgrammeRow(*row[:7], *(int(v) for v in row[7:])) for row in session.execute(query)]


def enrolment_rows(
    session: Session, programme_id: int, person_id: int | None = None
) -> list[EnrolmentRow]:
    """The programme's enrolments by person id (only one person's with ``person_id``)."""
    query = (
        select(
            Person.external_id,
            Person.name,
            Enrolment.start_date,
            Enrolment.end_date,
            Enrolment.completed,
            Enrolment.sessions_attended,
            Enrolment.sessions_total,
        )
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.programme_id == programme_id)
        .order_by(Person.external_id)
    )
    if person_id is not None:
        query = query.where(Enrolment.person_id == person_id)
    return [EnrolmentRow(*row) for row in session.execute(query)]


def enrolments_of(
    session: Session, programme_id: int, person_ids: Sequence[int]
) -> dict[int, Enrolment]:
    """Database person id -> enrolment, for those of ``person_ids`` enrolled."""
    found: dict[int, Enrolment] = {}
    for start in range(0, len(person_ids), 5000):
        chunk = list(person_ids[start : start + 5000])
        for enrolment in session.scalars(
            select(Enrolment).where(
                Enrolment.programme_id == programme_id, Enrolment.person_id.in_(chunk)
            )
        ):
            found[enrolment.person_id] = enrolment
    return found


def add_enrolments(session: Session, programme_id: int, person_ids: Sequence[int]) -> None:
    session.add_all(
        Enrolment(programme_id=programme_id, person_id=p, completed=False) for p in person_ids
    )
    session.flush()


def count_enrolled(session: Session, programme_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.programme_id == programme_id)
        )
        or 0
    )


__all__ = [
    "EnrolmentRow",
    "ProgrammeRow",
    "add_enrolments",
    "add_programme",
    "count_enrolled",
    "enrolment_rows",
    "enrolments_of",
    "find_programme",
    "programme_names",
    "programme_rows",
]
