"""Participant links and what a participant's own page reads: their self form, the raters
assigned to them, and the people of the review they may nominate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from colead.store.schema import (
    Assignment,
    Organisation,
    Person,
    Response,
    Review,
    Wave,
    table_of,
    utcnow,
)
from colead.store.schema_console import ParticipantLink


@dataclass(frozen=True)
class ParticipantRecord:
    """A participant link with the person and wave it belongs to."""

    link_id: int
    person_id: int
    external_id: str
    name: str
    email: str | None
    review_id: int
    review_name: str
    wave_id: int
    wave_name: str
    wave_status: str
    wave_closed_at: datetime | None


@dataclass(frozen=True)
class Ratee:
    """Someone rated in a wave, who gets a participant link."""

    person_id: int
    external_id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class SelfForm:
    assignment_id: int
    #: a response row exists (answers saved, maybe not submitted)
    started: bool
    submitted: bool


@dataclass(frozen=True)
class PersonMatch:
    """A person found by name; deliberately without an e-mail address."""

    person_id: int
    name: str
    organisation: str
    role_title: str | None


def find_participant(session: Session, token_hash: str) -> ParticipantRecord | None:
    row = session.execute(
        select(
            ParticipantLink.id,
            Person.id,
            Person.external_id,
            Person.name,
            Person.email,
            Review.id,
            Review.name,
            Wave.id,
            Wave.name,
            Wave.status,
            Wave.closed_at,
        )
        .join(Person, Person.id == ParticipantLink.person_id)
        .join(Wave, Wave.id == ParticipantLink.wave_id)
        .join(Review, Review.id == Wave.review_id)
        .where(ParticipantLink.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        return None
    return ParticipantRecord(*row)


def wave_ratees(session: Session, wave_id: int) -> list[Ratee]:
    """Everyone with at least one form about them in the wave, by name."""
    rated = select(Assignment.ratee_id).where(Assignment.wave_id == wave_id).distinct()
    rows = session.execute(
        select(Person.id, Person.external_id, Person.name, Person.email)
        .where(Person.id.in_(rated))
        .order_by(Person.name, Person.id)
    )
    return [Ratee(*row) for row in rows]


def replace_participant_links(session: Session, wave_id: int, hashes: dict[int, str]) -> None:
    """Store a new link hash per person (person pk -> hash); earlier links stop working."""
    if not hashes:
        return
    people = list(hashes)
    for start in range(0, len(people), 5000):
        session.execute(
            delete(ParticipantLink).where(
                ParticipantLink.wave_id == wave_id,
                ParticipantLink.person_id.in_(people[start : start + 5000]),
            )
        )
    now = utcnow()
    session.execute(
        insert(table_of(ParticipantLink)),
        [
            {"wave_id": wave_id, "person_id": person, "token_hash": digest, "created_at": now}
            for person, digest in hashes.items()
        ],
    )


def self_form(session: Session, wave_id: int, person_id: int) -> SelfForm | None:
    row = session.execute(
        select(Assignment.id, Response.id, Response.submitted_at)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(
            Assignment.wave_id == wave_id,
            Assignment.ratee_id == person_id,
            Assignment.rater_id == person_id,
            Assignment.relation == "self",
        )
    ).one_or_none()
    if row is None:
        return None
    return SelfForm(row[0], row[1] is not None, row[2] is not None)


def observer_counts(session: Session, wave_id: int, ratee_id: int) -> dict[str, int]:
    """Relation -> number of raters other than the person themself assigned in the wave."""
    rows = session.execute(
        select(Assignment.relation, func.count(Assignment.id))
        .where(
            Assignment.wave_id == wave_id,
            Assignment.ratee_id == ratee_id,
            Assignment.relation != "self",
        )
        .group_by(Assignment.relation)
    )
    return {relation: int(n) for relation, n in rows}


def submitted_observer_forms(session: Session, wave_id: int, ratee_id: int) -> int:
    """Submitted forms about the person by anyone but themself (the report's threshold)."""
    return int(
        session.scalar(
            select(func.count(Assignment.id))
            .join(Response, Response.assignment_id == Assignment.id)
            .where(
                Assignment.wave_id == wave_id,
                Assignment.ratee_id == ratee_id,
                Assignment.relation != "self",
                Response.submitted_at.is_not(None),
            )
        )
        or 0
    )


def assigned_raters(session: Session, wave_id: int, ratee_id: int) -> set[int]:
    """Person pks of everyone who has a form about the ratee in the wave (self included)."""
    return set(
        session.scalars(
            select(Assignment.rater_id).where(
                Assignment.wave_id == wave_id, Assignment.ratee_id == ratee_id
            )
        )
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_people(
    session: Session, review_id: int, text: str, *, limit: int, exclude: int | None = None
) -> list[PersonMatch]:
    """People of the review whose name contains ``text`` (any case), by name."""
    pattern = f"%{_escaped(text.casefold())}%"
    query = (
        select(Person.id, Person.name, Organisation.name, Person.role_title)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.review_id == review_id, func.lower(Person.name).like(pattern, escape="\\"))
        .order_by(Person.name, Person.id)
        .limit(limit)
    )
    if exclude is not None:
        query = query.where(Person.id != exclude)
    return [PersonMatch(*row) for row in session.execute(query)]


def person_in_review(session: Session, review_id: int, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    return person if person is not None and person.review_id == review_id else None
