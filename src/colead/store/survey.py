"""The rater survey's reads and writes: one assignment found by its token hash, its answers.

A form in progress is one ``response`` row with ``submitted_at`` NULL (a draft); submitting
sets ``submitted_at``. Every save is an upsert on the unique ``assignment_id``, so two
saves of the same form racing each other leave one row holding the last answers, never two
rows and never an integrity error.

Writes take the form's lock first: on PostgreSQL the assignment row ``FOR UPDATE`` and the
wave row ``FOR SHARE`` (a wave cannot close half-way through a save); on SQLite the write
transaction starts at once (``BEGIN IMMEDIATE``), which serialises writers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from colead.errors import UnknownRater
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
from colead.store.waves import holds_an_answer


@dataclass(frozen=True)
class SurveyRecord:
    """One assignment as its rater's survey needs it, with the answers stored so far."""

    assignment_id: int
    relation: str
    review_name: str
    wave_name: str
    wave_status: str
    framework_version_id: int
    ratee_name: str
    ratee_role_title: str | None
    ratee_organisation: str
    #: packed int8 codes in framework item order; None when nothing is stored yet
    codes: bytes | None
    comment_strengths: str | None
    comment_suggestions: str | None
    submitted_at: datetime | None
    updated_at: datetime | None
    #: when the answers were published (at a close); published answers never change
    released_at: datetime | None = None


def unknown_link() -> UnknownRater:
    """The one error for every link that matches no form (says nothing about other links)."""
    return UnknownRater(
        "This survey link does not work.",
        "Check that you opened the whole link from your invitation, or ask the person who "
        "sent it for a new one.",
    )


#: The form behind a token: built once, so each request skips building the statement and its
#: cache key (a survey page is one of the hottest paths of the web app).
_FORM_BY_TOKEN = (
    select(
        Assignment.id,
        Assignment.relation,
        Review.name,
        Wave.name,
        Wave.status,
        Wave.framework_version_id,
        Person.name,
        Person.role_title,
        Organisation.name,
        Response.item_values,
        Response.comment_strengths,
        Response.comment_suggestions,
        Response.submitted_at,
        Response.updated_at,
        Response.released_at,
    )
    .join(Wave, Wave.id == Assignment.wave_id)
    .join(Review, Review.id == Wave.review_id)
    .join(Person, Person.id == Assignment.ratee_id)
    .join(Organisation, Organisation.id == Person.organisation_id)
    .outerjoin(Response, Response.assignment_id == Assignment.id)
    .where(Assignment.token_hash == bindparam("token_hash"))
)
_LOCK_ASSIGNMENT = (
    select(Assignment.id, Assignment.wave_id)
    .where(Assignment.token_hash == bindparam("token_hash"))
    .with_for_update()
)
_SHARE_WAVE = select(Wave.id).where(Wave.id == bindparam("wave_id")).with_for_update(read=True)


def find_survey(session: Session, token_hash: str, *, for_update: bool = False) -> SurveyRecord:
    """The form whose token hashes to ``token_hash``.

    With ``for_update`` the form is locked for a read-modify-write until the transaction
    ends (see the module notes).

    Raises
    ------
    UnknownRater
        when no assignment has that token hash.
    """
    if for_update:
        _lock(session, token_hash)
    # Core on the session's connection: these statements return plain rows, and the ORM's
    # statement handling would only add cost to every page of the survey.
    row = session.connection().execute(_FORM_BY_TOKEN, {"token_hash": token_hash}).one_or_none()
    if row is None:
        raise unknown_link()
    return SurveyRecord(
        assignment_id=row[0],
        relation=row[1],
        review_name=row[2],
        wave_name=row[3],
        wave_status=row[4],
        framework_version_id=row[5],
        ratee_name=row[6],
        ratee_role_title=row[7],
        ratee_organisation=row[8],
        codes=bytes(row[9]) if row[9] is not None else None,
        comment_strengths=row[10],
        comment_suggestions=row[11],
        submitted_at=row[12],
        updated_at=row[13],
        released_at=row[14],
    )


def _lock(session: Session, token_hash: str) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # The first statement of the transaction: take SQLite's write lock now, so the read
        # that follows cannot go stale before the write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    found = connection.execute(_LOCK_ASSIGNMENT, {"token_hash": token_hash}).one_or_none()
    if found is None:
        raise unknown_link()
    connection.execute(_SHARE_WAVE, {"wave_id": found[1]})


def _upserts(dialect: str) -> tuple[Insert, Insert]:
    """The save and the submit of a form's answers as one upsert each, for ``dialect``.

    colead runs on SQLite and PostgreSQL; both spell the upsert the same way. A save keeps
    the stored submission time (a submitted form that its rater edits stays submitted); a
    submit sets it.
    """
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    table = table_of(Response)
    statement = insert(table)
    kept = {
        name: statement.excluded[name]
        for name in (
            "item_values",
            "comment_strengths",
            "comment_suggestions",
            "framework_version_id",
            "updated_at",
        )
    }
    save = statement.on_conflict_do_update(index_elements=[table.c.assignment_id], set_=kept)
    submit = statement.on_conflict_do_update(
        index_elements=[table.c.assignment_id],
        set_={**kept, "submitted_at": statement.excluded.submitted_at},
    )
    return save, submit


_UPSERTS = {dialect: _upserts(dialect) for dialect in ("sqlite", "postgresql")}


def save_answers(
    session: Session,
    assignment_id: int,
    framework_version_id: int,
    codes: bytes,
    comment_strengths: str | None,
    comment_suggestions: str | None,
    *,
    submit: bool = False,
) -> None:
    """Store a form's answers: a new draft, an updated draft, or (``submit``) a submission.

    Saving without ``submit`` keeps the form's submission time as it is: a submitted form
    that its rater edits stays submitted, with the edited answers.

    Raises
    ------
    ValueError
        when a submission holds no answer (the survey refuses those first).
    """
    if submit and not holds_an_answer(codes, comment_strengths, comment_suggestions):
        raise ValueError("a submitted form must hold an answer")
    now = utcnow()
    connection = session.connection()
    save, submission = _UPSERTS[connection.dialect.name]
    connection.execute(
        submission if submit else save,
        {
            "assignment_id": assignment_id,
            "framework_version_id": framework_version_id,
            "item_values": codes,
            "comment_strengths": comment_strengths,
            "comment_suggestions": comment_suggestions,
            "submitted_at": now if submit else None,
            "updated_at": now,
        },
    )
