"""Reading the audit log, and the cheap fingerprint of the data behind a wave's results.

Entries are written by :func:`colead.store.reviews.audit`; this module only reads them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.store.schema import (
    Assignment,
    AuditEntry,
    Enrolment,
    Programme,
    Response,
    Review,
    Wave,
)
from colead.store.schema_development import ProgrammeReaction

__all__ = [
    "READ_ONLY_ACTIONS",
    "AuditFilter",
    "AuditPage",
    "AuditRow",
    "WaveFingerprint",
    "audit_actions",
    "audit_page",
    "wave_fingerprint",
]


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")

#: actions that record a reading, not a change: they leave a wave's fingerprint alone, so
#: downloading a report does not throw away the results it was made from
READ_ONLY_ACTIONS = ("report.download", "export", "export_identifiable", "privacy_export")


@dataclass(frozen=True)
class AuditFilter:
    """What to look for in the log; an empty field matches everything.

    ``since`` is inclusive and ``until`` exclusive, so a day's entries are
    ``since=<day 00:00>, until=<next day 00:00>``.
    """

    review: str = ""
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    review: str | None
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    limit: int
    offset: int


def _filtered(query: _Query, wanted: AuditFilter) -> _Query:
    # Every value is a bound parameter: nothing typed into the filters reaches the SQL text.
    if wanted.review:
        review_ids = select(Review.id).where(Review.name == wanted.review)
        query = query.where(AuditEntry.review_id.in_(review_ids))
    if wanted.actor:
        query = query.where(func.lower(AuditEntry.actor) == wanted.actor.strip().lower())
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action.strip())
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    return query


def audit_page(session: Session, wanted: AuditFilter, limit: int, offset: int) -> AuditPage:
    """One page of matching entries, newest first (ties broken by id, also newest first)."""
    total = session.scalar(_filtered(select(func.count(AuditEntry.id)), wanted)) or 0
    query = (
        _filtered(select(AuditEntry, Review.name), wanted)
        .outerjoin(Review, Review.id == AuditEntry.review_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [
        AuditRow(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            review=name,
            detail=entry.detail,
        )
        for entry, name in session.execute(query)
    ]
    return AuditPage(rows, int(total), limit, offset)


def audit_actions(session: Session) -> list[str]:
    """Every action the log holds, for the filter's choices."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


@dataclass(frozen=True)
class WaveFingerprint:
    """What changes whenever the data behind a wave's analysis changes.

    Imports, people and nomination changes and life-cycle changes (opening, closing,
    reopening) all write the audit log, so the review's newest audit entry (other than a
    mere reading, ``READ_ONLY_ACTIONS``) moves with them. Ids (not names) tell a review or
    wave deleted and made again apart from the old one.

    The one change that is not audited is a rater submitting or editing a form, which
    only an *open* wave accepts: for an open wave the fingerprint also counts its forms
    and submitted forms and notes their latest change. That needs a pass over the wave's
    forms, so it is skipped for draft and closed waves, whose forms cannot change without
    an audited step (an import, or reopening the wave).

    Programme reaction questionnaires are not audited either (an entry next to each answer
    would help tell who answered what), and the evaluation shows them whatever the wave's
    state: the fingerprint counts the review's answered questionnaires and notes the latest.
    """

    review_id: int
    wave_id: int
    framework_version_id: int
    status: str
    last_audit: int | None
    submitted: int | None = None
    last_submitted_change: datetime | None = None
    assignments: int | None = None
    reactions: int = 0
    last_reaction: datetime | None = None
    last_assignment: int | None = None


def wave_fingerprint(session: Session, review: str, wave: str) -> WaveFingerprint | None:
    """The wave's fingerprint; None when the review or wave does not exist.

    One small query by the unique names, plus, for an open wave, one pass over its
    nominations, each with its submitted form (if any).
    """
    last_audit = (
        select(func.max(AuditEntry.id))
        .where(AuditEntry.review_id == Review.id, AuditEntry.action.not_in(READ_ONLY_ACTIONS))
        .scalar_subquery()
    )
    found = session.execute(
        select(Review.id, Wave.id, Wave.framework_version_id, Wave.status, last_audit)
        .join(Wave, Wave.review_id == Review.id)
        .where(Review.name == review, Wave.name == wave)
    ).first()
    if found is None:
        return None
    reactions = session.execute(
        select(func.count(ProgrammeReaction.id), func.max(ProgrammeReaction.submitted_at))
        .join(Enrolment, Enrolment.id == ProgrammeReaction.enrolment_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(Programme.review_id == found[0], ProgrammeReaction.submitted_at.is_not(None))
    ).one()
    fingerprint = WaveFingerprint(
        review_id=found[0],
        wave_id=found[1],
        framework_version_id=found[2],
        status=found[3],
        last_audit=found[4],
        reactions=int(reactions[0] or 0),
        last_reaction=reactions[1],
    )
    if fingerprint.status != WaveStatus.open.value:
        return fingerprint
    submitted = Response.submitted_at.is_not(None)
    forms = session.execute(
        select(
            func.count(Response.id),
            func.max(Response.updated_at),
            func.count(Assignment.id),
            func.max(Assignment.id),
        )
        .select_from(Assignment)
        .outerjoin(Response, (Response.assignment_id == Assignment.id) & submitted)
        .where(Assignment.wave_id == fingerprint.wave_id)
    ).one()
    return dataclasses.replace(
        fingerprint,
        submitted=int(forms[0] or 0),
        last_submitted_change=forms[1],
        assignments=int(forms[2] or 0),
        last_assignment=forms[3],
    )
