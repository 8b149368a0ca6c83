"""SQL of erasing a person: finding them, deleting what is about them, scrubbing text.

Every table that can hold something about a person is named in ``PERSON_COLUMNS`` (a
foreign key to ``person.id``) or ``DEPENDENT_TABLES`` (reached through such a table); a
test fails when the schema gains a table this module, and the export
(:mod:`colead.store.person_export`), do not know about.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from colead.errors import UnknownPerson
from colead.store.schema import (
    Action,
    Assignment,
    AuditEntry,
    DevelopmentPlan,
    Enrolment,
    Person,
    Programme,
    Response,
    Review,
    Wave,
)
from colead.store.schema_console import MailEvent, Nomination, ParticipantLink
from colead.store.schema_development import ProgrammeReaction

__all__ = [
    "DEPENDENT_TABLES",
    "PERSON_COLUMNS",
    "ErasedRows",
    "ScrubTarget",
    "affected",
    "audit_entries",
    "count_rater_forms",
    "delete_about",
    "delete_person",
    "erase_identity",
    "find_person",
    "keep_ratings_anonymously",
    "mail_query",
    "overwrite_deleted_content",
    "rows_quoting",
    "same_email",
    "scrub_targets",
    "set_text",
]

#: every column that points at ``person.id``, and what erasure does with it
PERSON_COLUMNS: dict[tuple[str, str], str] = {
    ("person", "manager_id"): "links to the erased person cleared",
    ("assignment", "ratee_id"): "forms about them deleted",
    ("assignment", "rater_id"): "forms they filled in kept without comments, or deleted",
    ("enrolment", "person_id"): "deleted",
    ("development_plan", "person_id"): "deleted",
    ("nomination", "ratee_id"): "deleted",
    ("nomination", "rater_id"): "their name, e-mail and the note about them cleared",
    ("participant_link", "person_id"): "deleted",
    ("mail_event", "person_id"): "deleted",
}

#: tables that hold personal rows only through a table of ``PERSON_COLUMNS``
DEPENDENT_TABLES: dict[str, str] = {
    "response": "assignment",
    "programme_reaction": "enrolment",
    "action": "development_plan",
}


def overwrite_deleted_content(session: Session) -> None:
    """Have SQLite overwrite what this transaction deletes, rather than leave it readable
    in free pages of the file (many builds do by default; not all). PostgreSQL keeps
    deleted rows until VACUUM reclaims them; autovacuum does that on its own."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def find_person(session: Session, review: Review, key: str) -> Person:
    """The review's person whose external id is ``key``, or whose e-mail it is."""
    wanted = key.strip()
    person = session.scalars(
        select(Person).where(Person.review_id == review.id, Person.external_id == wanted)
    ).one_or_none()
    if person is None and "@" in wanted:
        person = session.scalars(
            select(Person)
            .where(Person.review_id == review.id, func.lower(Person.email) == wanted.lower())
            .order_by(Person.id)
            .limit(1)
        ).one_or_none()
    if person is None:
        raise UnknownPerson(
            f"Review {review.name!r} has no person {key!r}.",
            "Give the person_id from the review's people file (case-sensitive) or the "
            "e-mail address stored for them.",
        )
    return person


def mail_query(person: Person) -> Select[MailEvent]:
    return select(MailEvent).where(
        MailEvent.review_id == person.review_id,
        or_(MailEvent.person_id == person.id, same_email(MailEvent.email, person.email)),
    )


def same_email(column: Any, email: str | None) -> Any:
    if not email:
        return false()
    return func.lower(column) == email.strip().lower()


def audit_entries(session: Session, review_id: int) -> Sequence[AuditEntry]:
    """The review's audit entries, oldest first (the caller picks those about a person)."""
    return session.scalars(
        select(AuditEntry).where(AuditEntry.review_id == review_id).order_by(AuditEntry.id)
    ).all()


# --- erasure -------------------------------------------------------------------------------


@dataclass
class ErasedRows:
    """How many rows of each kind erasure removed or changed."""

    forms_about: int = 0
    ratings_kept: int = 0
    ratings_deleted: int = 0
    enrolments: int = 0
    plans: int = 0
    nominations: int = 0
    participant_links: int = 0
    mail_events: int = 0
    manager_links: int = 0


def delete_about(session: Session, person: Person, counts: ErasedRows) -> None:
    """Delete what is about the person: forms about them (their self form too), the
    nominations for their 360, their enrolments (with reactions), plans (with actions),
    participant links and e-mail records; pending nominations of them by e-mail."""
    counts.forms_about = affected(
        session, delete(Assignment).where(Assignment.ratee_id == person.id)
    )
    wave_ids = select(Wave.id).where(Wave.review_id == person.review_id)
    counts.nominations = affected(
        session,
        delete(Nomination).where(
            or_(
                Nomination.ratee_id == person.id,
                (Nomination.rater_id.is_(None))
                & same_email(Nomination.rater_email, person.email)
                & Nomination.wave_id.in_(wave_ids),
            )
        ),
    )
    counts.enrolments = affected(session, delete(Enrolment).where(Enrolment.person_id == person.id))
    counts.plans = affected(
        session, delete(DevelopmentPlan).where(DevelopmentPlan.person_id == person.id)
    )
    counts.participant_links = affected(
        session, delete(ParticipantLink).where(ParticipantLink.person_id == person.id)
    )
    mail = mail_query(person).with_only_columns(MailEvent.id)
    counts.mail_events = affected(session, delete(MailEvent).where(MailEvent.id.in_(mail)))
    counts.manager_links = affected(
        session, update(Person).where(Person.manager_id == person.id).values(manager_id=None)
    )


def keep_ratings_anonymously(session: Session, person: Person, counts: ErasedRows) -> None:
    """Keep the person's answers about others, without their comments, and void their
    survey links (each gets the hash of a token nobody holds)."""
    theirs = list(session.scalars(select(Assignment.id).where(Assignment.rater_id == person.id)))
    for form in theirs:
        void = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        session.execute(update(Assignment).where(Assignment.id == form).values(token_hash=void))
    if theirs:
        session.execute(
            update(Response)
            .where(Response.assignment_id.in_(theirs))
            .values(comment_strengths=None, comment_suggestions=None)
        )
    session.execute(
        update(Nomination)
        .where(Nomination.rater_id == person.id)
        .values(rater_name=None, rater_email=None, note=None)
    )
    counts.ratings_kept = len(theirs)


def count_rater_forms(session: Session, person: Person) -> int:
    """Forms the person was asked to fill in about others."""
    return int(
        session.scalar(
            select(func.count(Assignment.id)).where(
                Assignment.rater_id == person.id, Assignment.ratee_id != person.id
            )
        )
        or 0
    )


def delete_person(session: Session, person: Person) -> None:
    """Delete the person row; the forms they filled in and nominations of them go with it."""
    session.execute(delete(Person).where(Person.id == person.id))
    session.expunge(person)


def erase_identity(session: Session, person: Person) -> str:
    """Replace the person's identity by an anonymous one; returns the new external id."""
    opaque = f"erased-{secrets.token_hex(8)}"
    person.name = f"Erased person {person.id}"
    person.email = None
    person.external_id = opaque
    person.role_title = None
    person.manager_id = None
    session.flush()
    return opaque


def affected(session: Session, statement: Any) -> int:
    """Rows a DELETE or UPDATE touched."""
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


@dataclass(frozen=True)
class ScrubTarget:
    """One text column of the review's rows that may quote a person's name or e-mail."""

    model: type[Any]
    column: str
    #: the ids of the review's rows, as a subquery on ``model.id``
    review_rows: Any


def scrub_targets(review_id: int) -> list[ScrubTarget]:
    """The free-text columns people write in: comments, notes, actions, mail records."""
    waves = select(Wave.id).where(Wave.review_id == review_id)
    forms = select(Assignment.id).where(Assignment.wave_id.in_(waves))
    responses = select(Response.id).where(Response.assignment_id.in_(forms))
    people = select(Person.id).where(Person.review_id == review_id)
    plans = select(DevelopmentPlan.id).where(DevelopmentPlan.person_id.in_(people))
    programmes = select(Programme.id).where(Programme.review_id == review_id)
    enrolments = select(Enrolment.id).where(Enrolment.programme_id.in_(programmes))
    reactions = select(ProgrammeReaction.id).where(ProgrammeReaction.enrolment_id.in_(enrolments))
    nominations = select(Nomination.id).where(Nomination.wave_id.in_(waves))
    actions = select(Action.id).where(Action.review_id == review_id)
    mail = select(MailEvent.id).where(MailEvent.review_id == review_id)
    return [
        ScrubTarget(Response, "comment_strengths", responses),
        ScrubTarget(Response, "comment_suggestions", responses),
        ScrubTarget(DevelopmentPlan, "notes", plans),
        ScrubTarget(Action, "description", actions),
        ScrubTarget(Action, "owner", actions),
        ScrubTarget(ProgrammeReaction, "comment", reactions),
        ScrubTarget(Nomination, "note", nominations),
        ScrubTarget(Nomination, "rater_name", nominations),
        ScrubTarget(MailEvent, "detail", mail),
    ]


def rows_quoting(
    session: Session, target: ScrubTarget, needles: Iterable[str]
) -> list[tuple[int, str]]:
    """(id, text) of the target's rows whose text contains any needle (any case)."""
    column = getattr(target.model, target.column)
    wanted = [func.lower(column).contains(n.lower(), autoescape=True) for n in needles if n]
    if not wanted:
        return []
    return [
        (int(i), str(t))
        for i, t in session.execute(
            select(target.model.id, column).where(
                target.model.id.in_(target.review_rows), column.is_not(None), or_(*wanted)
            )
        )
    ]


def set_text(session: Session, target: ScrubTarget, row_id: int, value: str | None) -> None:
    session.execute(
        update(target.model).where(target.model.id == row_id).values({target.column: value})
    )
