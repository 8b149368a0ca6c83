"""Queries behind follow-up waves: the previous wave's assignments and stored item mappings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from colead.store.schema import Assignment, AuditEntry, Person

#: the audit action that records a follow-up wave, its mapping and what was dropped
FOLLOW_UP_ACTION = "follow-up"


@dataclass(frozen=True)
class PriorAssignment:
    """One assignment of an earlier wave, with both people's ids."""

    ratee_pk: int
    ratee_id: str
    rater_pk: int
    rater_id: str
    relation: str


def wave_assignments(session: Session, wave_id: int) -> list[PriorAssignment]:
    """Every assignment of a wave, in the order it was made."""
    ratee = aliased(Person)
    rater = aliased(Person)
    rows = session.execute(
        select(
            Assignment.ratee_id,
            ratee.external_id,
            Assignment.rater_id,
            rater.external_id,
            Assignment.relation,
        )
        .join(ratee, ratee.id == Assignment.ratee_id)
        .join(rater, rater.id == Assignment.rater_id)
        .where(Assignment.wave_id == wave_id)
        .order_by(Assignment.id)
    )
    return [PriorAssignment(*row) for row in rows]


def follow_up_record(session: Session, wave_id: int) -> dict[str, Any] | None:
    """The audit detail stored when ``wave_id`` was created as a follow-up, if it was."""
    detail = session.scalars(
        select(AuditEntry.detail)
        .where(
            AuditEntry.action == FOLLOW_UP_ACTION,
            AuditEntry.entity == "wave",
            AuditEntry.entity_id == wave_id,
        )
        .order_by(AuditEntry.id.desc())
    ).first()
    return dict(detail) if detail else None
