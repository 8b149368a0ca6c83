"""SQL of the retention policy: a review's months of keeping, and purging closed waves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.store.privacy import affected
from colead.store.schema import Assignment, Response, Review, Wave
from colead.store.schema_console import MailEvent, Nomination, ParticipantLink

__all__ = ["PurgeCandidate", "delete_wave_answers", "purge_candidates"]


@dataclass(frozen=True)
class PurgeCandidate:
    """A closed wave of a review with a retention policy, and what it still holds."""

    review_id: int
    review: str
    months: int
    wave_id: int
    wave: str
    closed_at: datetime
    forms: int
    answered: int


def purge_candidates(session: Session, review_id: int | None) -> list[PurgeCandidate]:
    """Closed waves (of one review, or all) whose review keeps answers for a set time and
    which still hold forms; the caller decides which are past their time."""
    forms = (
        select(func.count(Assignment.id))
        .where(Assignment.wave_id == Wave.id)
        .correlate(Wave)
        .scalar_subquery()
    )
    answered = (
        select(func.count(Response.id))
        .join(Assignment, Assignment.id == Response.assignment_id)
        .where(Assignment.wave_id == Wave.id)
        .correlate(Wave)
        .scalar_subquery()
    )
    query = (
        select(
            Review.id,
            Review.name,
            Review.retention_months,
            Wave.id,
            Wave.name,
            Wave.closed_at,
            forms,
            answered,
        )
        .join(Wave, Wave.review_id == Review.id)
        .where(
            Review.retention_months.is_not(None),
            Wave.status == WaveStatus.closed.value,
            Wave.closed_at.is_not(None),
        )
        .order_by(Review.name, Wave.ordinal)
    )
    if review_id is not None:
        query = query.where(Review.id == review_id)
    return [
        PurgeCandidate(r[0], r[1], int(r[2]), r[3], r[4], r[5], int(r[6] or 0), int(r[7] or 0))
        for r in session.execute(query)
        if r[6]
    ]


def delete_wave_answers(session: Session, wave_id: int) -> dict[str, int]:
    """Delete every individual row of a wave: its forms (answers, comments and survey
    links go with them), nominations, participant links and e-mail records."""
    return {
        "forms": affected(session, delete(Assignment).where(Assignment.wave_id == wave_id)),
        "nominations": affected(session, delete(Nomination).where(Nomination.wave_id == wave_id)),
        "participant_links": affected(
            session, delete(ParticipantLink).where(ParticipantLink.wave_id == wave_id)
        ),
        "mail_events": affected(session, delete(MailEvent).where(MailEvent.wave_id == wave_id)),
    }
