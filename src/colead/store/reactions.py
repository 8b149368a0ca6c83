"""Reading and writing programme reaction questionnaires (Kirkpatrick level 1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from colead.store.schema import Enrolment, Programme
from colead.store.schema_development import ProgrammeReaction


def submitted_reaction_scores(
    session: Session, review_id: int, programme: str | None = None
) -> list[float]:
    """Each submitted questionnaire's mean answer, for the review (or one programme of it).

    Unanswered items are left out of a person's mean; a questionnaire with no numeric
    answer gives no score.
    """
    query = (
        select(ProgrammeReaction.answers)
        .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(Programme.review_id == review_id, ProgrammeReaction.submitted_at.is_not(None))
        .order_by(ProgrammeReaction.id)
    )
    if programme is not None:
        query = query.where(Programme.name == programme)
    scores = []
    for answers in session.scalars(query):
        values = [
            float(v)
            for v in (answers or {}).values()
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        if values:
            scores.append(sum(values) / len(values))
    return scores
