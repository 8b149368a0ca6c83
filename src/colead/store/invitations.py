"""Invitation targets of a wave and the replacement of their survey-token hashes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, aliased

from colead.store.schema import Assignment, Person, Response, table_of

_BATCH = 5000


@dataclass(frozen=True)
class InvitationTarget:
    assignment_id: int
    rater_name: str
    rater_email: str | None
    ratee_name: str
    relation: str
    #: the form was submitted (a saved, unsubmitted form does not count)
    completed: bool
    #: primary key of the rater (one e-mail per rater)
    rater_id: int = 0


def invitation_targets(session: Session, wave_id: int) -> list[InvitationTarget]:
    """Every assignment of the wave with its rater and ratee, ordered for a mail merge."""
    rater = aliased(Person)
    ratee = aliased(Person)
    rows = session.execute(
        select(
            Assignment.id,
            rater.name,
            rater.email,
            ratee.name,
            Assignment.relation,
            Response.submitted_at.is_not(None),
            rater.id,
        )
        .join(rater, rater.id == Assignment.rater_id)
        .join(ratee, ratee.id == Assignment.ratee_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Assignment.wave_id == wave_id)
        .order_by(rater.name, rater.id, ratee.name, Assignment.id)
    )
    return [
        InvitationTarget(
            assignment_id=ident,
            rater_name=rater_name,
            rater_email=email,
            ratee_name=ratee_name,
            relation=relation,
            completed=bool(done),
            rater_id=rater_id,
        )
        for ident, rater_name, email, ratee_name, relation, done, rater_id in rows
    ]


def replace_token_hashes(session: Session, hashes: Mapping[int, str]) -> int:
    """Store new token hashes (assignment pk -> hash); a link's old token stops working."""
    table = table_of(Assignment)
    statement = (
        update(table)
        .where(table.c.id == bindparam("assignment_pk"))
        .values(token_hash=bindparam("new_hash"))
    )
    items = list(hashes.items())
    for start in range(0, len(items), _BATCH):
        batch = items[start : start + _BATCH]
        session.execute(statement, [{"assignment_pk": a, "new_hash": h} for a, h in batch])
    return len(items)
