"""Waves, assignments (with survey tokens) and packed responses."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from colead.analysis.data import WaveData
from colead.domain import BLANK, WaveStatus
from colead.errors import WaveNotFound
from colead.framework import Framework
from colead.store.people import people_frame
from colead.store.reviews import refuse_slash
from colead.store.schema import Assignment, Person, Response, Review, Wave, table_of, utcnow

#: 32 random bytes: far above the 128 bits an unguessable link needs
TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def find_wave(session: Session, review_id: int, name: str) -> Wave | None:
    return session.scalars(
        select(Wave).where(Wave.review_id == review_id, Wave.name == name)
    ).one_or_none()


def get_wave(session: Session, review: Review, name: str | None = None) -> Wave:
    """The named wave, or the review's latest when ``name`` is None."""
    if name is not None:
        wave = find_wave(session, review.id, name)
    else:
        wave = session.scalars(
            select(Wave).where(Wave.review_id == review.id).order_by(Wave.ordinal.desc())
        ).first()
    if wave is None:
        names = list(
            session.scalars(
                select(Wave.name).where(Wave.review_id == review.id).order_by(Wave.ordinal)
            )
        )
        what = f"wave {name!r}" if name else "any wave"
        hint = f"Waves of this review: {', '.join(names)}." if names else "Create a wave first."
        raise WaveNotFound(f"Review {review.name!r} has no {what}.", hint)
    return wave


def create_wave(
    session: Session,
    review_id: int,
    name: str,
    framework_version_id: int,
    status: WaveStatus = WaveStatus.draft,
    period: str | None = None,
) -> Wave:
    refuse_slash("wave", name)
    ordinal = session.scalar(
        select(func.coalesce(func.max(Wave.ordinal), 0)).where(Wave.review_id == review_id)
    )
    wave = Wave(
        review_id=review_id,
        name=name,
        ordinal=int(ordinal or 0) + 1,
        status=status.value,
        framework_version_id=framework_version_id,
        period=period,
        opened_at=utcnow() if status is not WaveStatus.draft else None,
        closed_at=utcnow() if status is WaveStatus.closed else None,
    )
    session.add(wave)
    session.flush()
    return wave


def assignment_index(session: Session, wave_id: int) -> dict[tuple[int, int], tuple[int, str]]:
    """(ratee pk, rater pk) -> (assignment id, relation) for a wave."""
    rows = session.execute(
        select(Assignment.ratee_id, Assignment.rater_id, Assignment.id, Assignment.relation).where(
            Assignment.wave_id == wave_id
        )
    )
    return {(ratee, rater): (ident, relation) for ratee, rater, ident, relation in rows}


def add_assignments(
    session: Session, wave_id: int, rows: Sequence[tuple[int, int, str]]
) -> dict[tuple[int, int], str]:
    """Add (ratee pk, rater pk, relation) assignments not yet in the wave.

    Returns the plain survey token of each new assignment; only its hash is stored, so
    this is the one moment the token can be handed to an invitation.
    """
    known = assignment_index(session, wave_id)
    tokens: dict[tuple[int, int], str] = {}
    records = []
    for ratee, rater, relation in rows:
        key = (ratee, rater)
        if key in known or key in tokens:
            continue
        token = new_token()
        tokens[key] = token
        records.append(
            {
                "wave_id": wave_id,
                "ratee_id": ratee,
                "rater_id": rater,
                "relation": relation,
                "token_hash": hash_token(token),
                "created_at": utcnow(),
            }
        )
    if records:
        session.execute(insert(table_of(Assignment)), records)
    return tokens


@dataclass(frozen=True)
class PackedResponse:
    assignment_id: int
    codes: bytes
    comment_strengths: str | None
    comment_suggestions: str | None
    #: False stores the form as in progress (a draft, counted in no result)
    submitted: bool = True


def holds_an_answer(
    codes: bytes, comment_strengths: str | None, comment_suggestions: str | None
) -> bool:
    """Whether a form holds anything to count: an item answered (incl. "not observed") or a
    comment. A submitted form always does; the store refuses one that does not."""
    blank = BLANK.to_bytes(1, "little", signed=True)
    return codes.strip(blank) != b"" or bool(comment_strengths) or bool(comment_suggestions)


def save_responses(
    session: Session,
    framework_version_id: int,
    responses: Sequence[PackedResponse],
    submitted_at: datetime | None = None,
) -> tuple[int, int, int]:
    """Store responses; an answer set already stored as it is is left alone.

    Returns (inserted, updated, unchanged): re-importing the same file changes nothing.

    Raises
    ------
    ValueError
        when a submitted response holds no answer (callers reject those forms first).
    """
    if not responses:
        return 0, 0, 0
    empty = [
        r.assignment_id
        for r in responses
        if r.submitted and not holds_an_answer(r.codes, r.comment_strengths, r.comment_suggestions)
    ]
    if empty:
        raise ValueError(f"submitted forms must hold an answer; assignments {empty[:5]} do not")
    ids = [r.assignment_id for r in responses]
    current: dict[int, tuple[bytes, str | None, str | None, bool]] = {}
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(
                Response.assignment_id,
                Response.item_values,
                Response.comment_strengths,
                Response.comment_suggestions,
                Response.submitted_at.is_not(None),
            ).where(Response.assignment_id.in_(ids[start : start + 5000]))
        )
        current.update({row[0]: (bytes(row[1]), row[2], row[3], bool(row[4])) for row in rows})
    fresh = [r for r in responses if r.assignment_id not in current]
    changed = [
        r
        for r in responses
        if r.assignment_id in current
        and current[r.assignment_id]
        != (r.codes, r.comment_strengths, r.comment_suggestions, r.submitted)
    ]
    replaced = [r.assignment_id for r in changed]
    for start in range(0, len(replaced), 5000):
        session.execute(
            delete(Response).where(Response.assignment_id.in_(replaced[start : start + 5000]))
        )
    now = utcnow()
    writes = [*fresh, *changed]
    if writes:
        session.execute(
            insert(table_of(Response)),
            [
                {
                    "assignment_id": r.assignment_id,
                    "framework_version_id": framework_version_id,
                    "item_values": r.codes,
                    "comment_strengths": r.comment_strengths,
                    "comment_suggestions": r.comment_suggestions,
                    "submitted_at": (submitted_at or now) if r.submitted else None,
                    "updated_at": now,
                }
                for r in writes
            ],
        )
    return len(fresh), len(changed), len(responses) - len(writes)


def list_waves(session: Session, review_id: int) -> list[Wave]:
    """The review's waves, oldest first."""
    return list(
        session.scalars(select(Wave).where(Wave.review_id == review_id).order_by(Wave.ordinal))
    )


def load_wave_data(
    session: Session,
    review: Review,
    wave: Wave,
    framework: Framework,
    *,
    published_only: bool = True,
) -> WaveData:
    """Everything the analysis of one wave needs: its published (released) answers.

    ``published_only=False`` reads every submitted form instead, for checks of the store
    itself; nothing built from that may be shown to anyone.

    One Core query returns every assignment with its packed answers (Core, not ORM rows:
    the ORM's per-row bookkeeping costs more than the data itself at this volume).
    """
    connection = session.connection()
    people = people_frame(session, review.id)
    external: dict[int, str] = {
        pk: ext
        for pk, ext in connection.execute(
            select(Person.id, Person.external_id).where(Person.review_id == review.id)
        )
    }
    rows = connection.execute(
        select(
            Assignment.ratee_id,
            Assignment.rater_id,
            Assignment.relation,
            Response.item_values,
            Response.released_at.is_not(None),
        )
        # A form still in progress (submitted_at NULL) is not an answer yet.
        .outerjoin(
            Response,
            (Response.assignment_id == Assignment.id) & Response.submitted_at.is_not(None),
        )
        .where(Assignment.wave_id == wave.id)
        .order_by(Assignment.id)
    ).all()
    assignments = pd.DataFrame(
        [(external[r[0]], external[r[1]], r[2], r[3] is not None) for r in rows],
        columns=["ratee_id", "rater_id", "relation", "completed"],
    )
    # Participation counts every submitted form; the answers are only the released ones
    # (published at a close, see colead.fieldwork.release).
    done = np.array(
        [r[3] is not None and (bool(r[4]) or not published_only) for r in rows], dtype=bool
    )
    responses = assignments.loc[done, ["ratee_id", "rater_id", "relation"]].reset_index(drop=True)
    # Every vector of a wave has the framework's length, so one join + frombuffer decodes all.
    packed = b"".join(r[3] for r, keep in zip(rows, done, strict=True) if keep)
    values = np.frombuffer(packed, dtype=np.int8).reshape(len(responses), len(framework.item_ids))
    return WaveData(
        review=review.name,
        wave=wave.name,
        framework=framework,
        people=people,
        assignments=assignments,
        responses=responses,
        values=values,
        description=review.description,
        period=wave.period,
    )


def lock_wave(session: Session, wave: Wave) -> None:
    """Reload ``wave`` with a row lock, so concurrent status changes run one after another."""
    session.refresh(wave, with_for_update=True)


def set_wave_status(
    wave: Wave, status: WaveStatus, *, opened_at: datetime | None, closed_at: datetime | None
) -> None:
    wave.status = status.value
    wave.opened_at = opened_at
    wave.closed_at = closed_at


def wave_form_counts(session: Session, review_id: int) -> dict[int, tuple[int, int]]:
    """wave pk -> (assignments, submitted forms) for the waves of a review that have any."""
    rows = session.execute(
        select(Assignment.wave_id, func.count(Assignment.id), func.count(Response.submitted_at))
        .join(Wave, Wave.id == Assignment.wave_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Wave.review_id == review_id)
        .group_by(Assignment.wave_id)
    )
    return {wave_id: (int(total), int(done)) for wave_id, total, done in rows}
