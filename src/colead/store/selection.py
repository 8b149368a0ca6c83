"""Queries for participant selection: the people enrolled in a named programme."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.errors import NotFound
from colead.store.schema import Enrolment, Person, Programme


def enrolled_person_ids(session: Session, review_id: int, programme: str) -> list[str]:
    """External ids of the people enrolled in ``programme`` of a review, sorted.

    Raises :class:`NotFound` when the review has no programme of that name.
    """
    found = session.scalars(
        select(Programme.id).where(Programme.review_id == review_id, Programme.name == programme)
    ).one_or_none()
    if found is None:
        known = list(
            session.scalars(
                select(Programme.name)
                .where(Programme.review_id == review_id)
                .order_by(Programme.name)
            )
        )
        raise NotFound(
            f"No programme named {programme!r} in this review.",
            "Known programmes: " + ", ".join(known) if known else "No programme exists yet.",
        )
    return list(
        session.scalars(
            select(Person.external_id)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.programme_id == found)
            .order_by(Person.external_id)
        )
    )
