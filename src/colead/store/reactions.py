"""Reading and writing programme reaction questionnaires (Kirkpatrick level 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from colead.store.schema import Enrolment, Person, Programme, Review
from colead.store.schema_development import ProgrammeReaction


def submitted_reaction_scores(
    session: Session, review_id: int, programme: str | None = None
) -> list[float]:
    """Each published questionnaire's mean answer, for the review (or one programme of it).

    Unanswered items are left out of a person's mean; a questionnaire with no numeric
    answer gives no score.
    """
    query = (
        select(ProgrammeReaction.answers)
        .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(Programme.review_id == review_id, ProgrammeReaction.released_at.is_not(None))
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


# --- links, invitations and answers --------------------------------------------------------


@dataclass(frozen=True)
class ReactionTarget:
    """An enrolled person with the state of their reaction questionnaire."""

    enrolment_id: int
    person_id: int
    external_id: str
    name: str
    email: str | None
    completed: bool
    #: None while no link has been made for them
    reaction_id: int | None
    invited_at: datetime | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class ReactionRecord:
    """The questionnaire behind one link, with what its page shows."""

    id: int
    review_id: int
    review: str
    programme_id: int
    programme: str
    person_name: str
    submitted_at: datetime | None


def reaction_targets(session: Session, programme_id: int) -> list[ReactionTarget]:
    """Everyone enrolled in the programme, in person id order; one query."""
    rows = session.execute(
        select(
            Enrolment.id,
            Person.id,
            Person.external_id,
            Person.name,
            Person.email,
            Enrolment.completed,
            ProgrammeReaction.id,
            ProgrammeReaction.invited_at,
            ProgrammeReaction.submitted_at,
        )
        .join(Person, Person.id == Enrolment.person_id)
        .outerjoin(ProgrammeReaction, ProgrammeReaction.enrolment_id == Enrolment.id)
        .where(Enrolment.programme_id == programme_id)
        .order_by(Person.external_id)
    )
    return [
        ReactionTarget(*row[:5], bool(row[5]), row[6], _utc(row[7]), _utc(row[8])) for row in rows
    ]


def set_reaction_links(
    session: Session, token_hashes: Mapping[int, str], invited_at: datetime | None
) -> None:
    """Give each enrolment (id -> SHA-256 of its new token) a link, replacing an earlier
    one; with ``invited_at``, also record when the link was sent."""
    if not token_hashes:
        return
    existing = {
        r.enrolment_id: r
        for r in session.scalars(
            select(ProgrammeReaction).where(ProgrammeReaction.enrolment_id.in_(list(token_hashes)))
        )
    }
    for enrolment_id, token_hash in token_hashes.items():
        row = existing.get(enrolment_id)
        if row is None:
            row = ProgrammeReaction(enrolment_id=enrolment_id, token_hash=token_hash)
            session.add(row)
        else:
            row.token_hash = token_hash
        if invited_at is not None:
            row.invited_at = invited_at
    session.flush()


def find_reaction(
    session: Session, token_hash: str, *, for_update: bool = False
) -> ReactionRecord | None:
    """The questionnaire whose link has this token hash; None when there is none."""
    query = (
        select(
            ProgrammeReaction.id,
            Review.id,
            Review.name,
            Programme.id,
            Programme.name,
            Person.name,
            ProgrammeReaction.submitted_at,
        )
        .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(Review, Review.id == Programme.review_id)
        .join(Person, Person.id == Enrolment.person_id)
        .where(ProgrammeReaction.token_hash == token_hash)
    )
    if for_update:
        query = query.with_for_update(of=ProgrammeReaction)
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    return ReactionRecord(*row[:6], _utc(row[6]))


def save_reaction(
    session: Session,
    reaction_id: int,
    answers: Mapping[str, int],
    comment: str | None,
    at: datetime,
) -> None:
    row = session.get(ProgrammeReaction, reaction_id)
    if row is None:  # the caller has just found it in the same transaction
        raise LookupError(reaction_id)
    row.answers = dict(answers)
    row.comment = comment
    row.submitted_at = at
    session.flush()


def submitted_reactions(
    session: Session, programme_id: int
) -> list[tuple[dict[str, Any], str | None]]:
    """The answers and comment of every published questionnaire of the programme.

    In the order they were stored, which is not the people's order: nothing here names
    who answered."""
    rows = session.execute(
        select(ProgrammeReaction.answers, ProgrammeReaction.comment)
        .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
        .where(
            Enrolment.programme_id == programme_id,
            ProgrammeReaction.released_at.is_not(None),
        )
        .order_by(ProgrammeReaction.id)
    )
    return [(dict(answers or {}), comment) for answers, comment in rows]


def release_reactions(session: Session, programme_id: int, minimum: int, at: datetime) -> int:
    """Publish the programme's submitted, unpublished answers when at least ``minimum``
    wait; how many were published (0 while fewer wait).

    The programme row is locked first, so two submissions at once cannot each publish a
    step smaller than the minimum.
    """
    session.execute(
        select(Programme.id).where(Programme.id == programme_id).with_for_update()
    ).one()
    waiting = _unreleased(session, programme_id)
    if len(waiting) < minimum:
        return 0
    session.execute(
        update(ProgrammeReaction).where(ProgrammeReaction.id.in_(waiting)).values(released_at=at)
    )
    return len(waiting)


def unreleased_reactions(session: Session, programme_id: int) -> int:
    """Submitted answers of the programme that are not published yet."""
    return len(_unreleased(session, programme_id))


def _unreleased(session: Session, programme_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ProgrammeReaction.id)
            .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
            .where(
                Enrolment.programme_id == programme_id,
                ProgrammeReaction.submitted_at.is_not(None),
                ProgrammeReaction.released_at.is_(None),
            )
        )
    )


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they were stored in UTC
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
