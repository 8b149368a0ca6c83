"""Nominations: raters proposed by participants, and the people an approval adds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from colead.store.schema import Assignment, Organisation, Person, Site
from colead.store.schema_console import Nomination


@dataclass(frozen=True)
class NominationView:
    """One nomination as lists and pages show it."""

    id: int
    ratee_id: int
    ratee_name: str
    ratee_external_id: str
    relation: str
    #: the proposed rater: a person of the review, or a name and e-mail for someone new
    rater_id: int | None
    rater_name: str
    rater_email: str | None
    status: str
    note: str | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    assignment_id: int | None

    @property
    def is_new(self) -> bool:
        return self.rater_id is None


@dataclass(frozen=True)
class PlacementDefaults:
    """Where a new rater is placed unless the admin says otherwise: with the ratee."""

    organisation: str
    site: str
    level: int


def list_nominations(
    session: Session,
    wave_id: int,
    *,
    ratee_id: int | None = None,
    statuses: Sequence[str] | None = None,
    ids: Sequence[int] | None = None,
) -> list[NominationView]:
    """The wave's nominations, pending first, then oldest first."""
    ratee = aliased(Person)
    rater = aliased(Person)
    pending_first = case((Nomination.status == "pending", 0), else_=1)
    query = (
        select(
            Nomination.id,
            Nomination.ratee_id,
            ratee.name,
            ratee.external_id,
            Nomination.relation,
            Nomination.rater_id,
            func.coalesce(rater.name, Nomination.rater_name, Nomination.rater_email),
            func.coalesce(rater.email, Nomination.rater_email),
            Nomination.status,
            Nomination.note,
            Nomination.created_at,
            Nomination.decided_at,
            Nomination.decided_by,
            Nomination.assignment_id,
        )
        .join(ratee, ratee.id == Nomination.ratee_id)
        .outerjoin(rater, rater.id == Nomination.rater_id)
        .where(Nomination.wave_id == wave_id)
        .order_by(pending_first, Nomination.created_at, Nomination.id)
    )
    if ratee_id is not None:
        query = query.where(Nomination.ratee_id == ratee_id)
    if statuses is not None:
        query = query.where(Nomination.status.in_(list(statuses)))
    if ids is not None:
        query = query.where(Nomination.id.in_(list(ids)))
    return [NominationView(*_values(row)) for row in session.execute(query)]


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row)


def get_nomination(
    session: Session, nomination_id: int, *, for_update: bool = False
) -> Nomination | None:
    query = select(Nomination).where(Nomination.id == nomination_id)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def add_nomination(
    session: Session,
    *,
    wave_id: int,
    ratee_id: int,
    relation: str,
    rater_id: int | None,
    rater_name: str | None,
    rater_email: str | None,
    note: str | None,
) -> Nomination:
    nomination = Nomination(
        wave_id=wave_id,
        ratee_id=ratee_id,
        relation=relation,
        rater_id=rater_id,
        rater_name=rater_name,
        rater_email=rater_email,
        note=note,
        status="pending",
    )
    session.add(nomination)
    session.flush()
    return nomination


def pending_count(session: Session, wave_id: int, ratee_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Nomination.id)).where(
                Nomination.wave_id == wave_id,
                Nomination.ratee_id == ratee_id,
                Nomination.status == "pending",
            )
        )
        or 0
    )


def open_nominations_of(
    session: Session, wave_id: int, ratee_id: int
) -> list[tuple[int | None, str | None]]:
    """(rater pk, rater e-mail) of the ratee's pending and approved nominations."""
    rows = session.execute(
        select(Nomination.rater_id, Nomination.rater_email).where(
            Nomination.wave_id == wave_id,
            Nomination.ratee_id == ratee_id,
            Nomination.status.in_(("pending", "approved")),
        )
    )
    return [(rater, email) for rater, email in rows]


def assignment_id_of(session: Session, wave_id: int, ratee_id: int, rater_id: int) -> int:
    """The id of the form the rater fills in about the ratee in the wave (it must exist)."""
    return session.scalars(
        select(Assignment.id).where(
            Assignment.wave_id == wave_id,
            Assignment.ratee_id == ratee_id,
            Assignment.rater_id == rater_id,
        )
    ).one()


def person_by_email(session: Session, review_id: int, email: str) -> Person | None:
    """The review's person with this e-mail address (any case), the first by id."""
    return session.scalars(
        select(Person)
        .where(Person.review_id == review_id, func.lower(Person.email) == email.strip().lower())
        .order_by(Person.id)
    ).first()


def placement_defaults(session: Session, person_id: int) -> PlacementDefaults:
    row = session.execute(
        select(Organisation.name, Site.name, Person.level)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(Site, Site.id == Person.site_id)
        .where(Person.id == person_id)
    ).one()
    return PlacementDefaults(row[0], row[1], int(row[2]))


def organisation_named(session: Session, review_id: int, name: str) -> Organisation | None:
    return session.scalars(
        select(Organisation).where(Organisation.review_id == review_id, Organisation.name == name)
    ).one_or_none()


def site_named(session: Session, review_id: int, name: str) -> Site | None:
    return session.scalars(
        select(Site).where(Site.review_id == review_id, Site.name == name)
    ).one_or_none()


def organisation_and_site_names(session: Session, review_id: int) -> tuple[list[str], list[str]]:
    organisations = session.scalars(
        select(Organisation.name)
        .where(Organisation.review_id == review_id)
        .order_by(Organisation.name)
    )
    sites = session.scalars(
        select(Site.name).where(Site.review_id == review_id).order_by(Site.name)
    )
    return list(organisations), list(sites)


def external_id_taken(session: Session, review_id: int, external_id: str) -> bool:
    return (
        session.scalar(
            select(Person.id).where(
                Person.review_id == review_id, Person.external_id == external_id
            )
        )
        is not None
    )


def add_person(
    session: Session,
    *,
    review_id: int,
    external_id: str,
    name: str,
    email: str | None,
    organisation_id: int,
    site_id: int,
    level: int,
) -> Person:
    person = Person(
        review_id=review_id,
        external_id=external_id,
        name=name,
        email=email,
        organisation_id=organisation_id,
        site_id=site_id,
        level=level,
    )
    session.add(person)
    session.flush()
    return person
