"""Mail records: events of sent, refused and bounced letters, a review's own wording, and
scheduled reminders.

Times are stored in UTC. SQLite hands them back without a zone, so every time read here
goes through :func:`as_utc`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from colead.store.schema import Assignment, Person, Review, Wave
from colead.store.schema_console import MailEvent, MailTemplate, Reminder


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (naive times are taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- mail events ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMailEvent:
    review_id: int
    wave_id: int | None
    person_id: int | None
    email: str
    kind: str
    status: str
    detail: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class MailEventRow:
    id: int
    review_id: int
    wave_id: int | None
    person_id: int | None
    person_name: str | None
    email: str
    kind: str
    status: str
    detail: str | None
    message_id: str | None
    at: datetime


def record_mail_events(session: Session, events: Sequence[NewMailEvent], at: datetime) -> None:
    """Add one ``mail_event`` row per event, all stamped ``at``."""
    session.add_all(
        MailEvent(
            review_id=e.review_id,
            wave_id=e.wave_id,
            person_id=e.person_id,
            email=e.email,
            kind=e.kind,
            status=e.status,
            detail=e.detail,
            message_id=e.message_id,
            at=at,
        )
        for e in events
    )


def _event_rows(session: Session, query: Any) -> list[MailEventRow]:
    rows = session.execute(query)
    return [
        MailEventRow(
            id=event.id,
            review_id=event.review_id,
            wave_id=event.wave_id,
            person_id=event.person_id,
            person_name=name,
            email=event.email,
            kind=event.kind,
            status=event.status,
            detail=event.detail,
            message_id=event.message_id,
            at=as_utc(event.at),
        )
        for event, name in rows
    ]


def _with_person() -> Any:
    return select(MailEvent, Person.name).outerjoin(Person, Person.id == MailEvent.person_id)


def latest_mail_events(session: Session, wave_id: int, limit: int = 50) -> list[MailEventRow]:
    """The wave's last ``limit`` events, newest first."""
    query = (
        _with_person()
        .where(MailEvent.wave_id == wave_id)
        .order_by(MailEvent.at.desc(), MailEvent.id.desc())
        .limit(limit)
    )
    return _event_rows(session, query)


def mail_event_counts(session: Session, wave_id: int) -> dict[tuple[str, str], int]:
    """Number of the wave's events by (kind, status)."""
    rows = session.execute(
        select(MailEvent.kind, MailEvent.status, func.count())
        .where(MailEvent.wave_id == wave_id)
        .group_by(MailEvent.kind, MailEvent.status)
    )
    return {(kind, status): int(count) for kind, status, count in rows}


def invited_assignment_ids(session: Session, wave_id: int) -> set[int]:
    """Forms of the wave whose rater was e-mailed a link (invitation or reminder) after
    the form was made."""
    rows = session.scalars(
        select(Assignment.id)
        .join(
            MailEvent,
            (MailEvent.person_id == Assignment.rater_id)
            & (MailEvent.wave_id == Assignment.wave_id),
        )
        .where(
            Assignment.wave_id == wave_id,
            MailEvent.status == "sent",
            MailEvent.kind.in_(("invitation", "reminder")),
            MailEvent.at >= Assignment.created_at,
        )
        .distinct()
    )
    return set(rows)


def sent_event_for(
    session: Session, message_id: str | None, email: str, review_id: int | None = None
) -> MailEventRow | None:
    """The sent letter a bounce reports: by Message-ID (and address when several share
    it), else the latest letter sent to the address; of one review when given."""
    address = email.strip().lower()
    sent = _with_person().where(MailEvent.status == "sent")
    if review_id is not None:
        sent = sent.where(MailEvent.review_id == review_id)
    if message_id:
        found = _event_rows(session, sent.where(MailEvent.message_id == message_id))
        if found:
            same = [e for e in found if e.email.strip().lower() == address]
            return (same or found)[0]
    latest = sent.where(func.lower(MailEvent.email) == address).order_by(
        MailEvent.at.desc(), MailEvent.id.desc()
    )
    found = _event_rows(session, latest.limit(1))
    return found[0] if found else None


def bounce_recorded(session: Session, email: str, message_id: str | None) -> bool:
    """True when this address already has a bounce for this Message-ID."""
    query = select(func.count()).where(
        MailEvent.status == "bounced",
        func.lower(MailEvent.email) == email.strip().lower(),
    )
    if message_id is not None:
        query = query.where(MailEvent.message_id == message_id)
    return bool(session.scalar(query))


@dataclass(frozen=True)
class BouncedAddress:
    person_id: int
    external_id: str
    name: str
    email: str
    at: datetime
    detail: str | None


def bounced_addresses(session: Session, review_id: int) -> list[BouncedAddress]:
    """People of the review whose *current* e-mail address has bounced (latest bounce
    each); a corrected address is no longer listed."""
    rows = session.execute(
        select(Person.id, Person.external_id, Person.name, Person.email, MailEvent)
        .join(MailEvent, MailEvent.person_id == Person.id)
        .where(
            MailEvent.status == "bounced",
            Person.review_id == review_id,
            Person.email.is_not(None),
            func.lower(func.trim(Person.email)) == func.lower(func.trim(MailEvent.email)),
        )
        .order_by(Person.name, Person.id, MailEvent.at.desc(), MailEvent.id.desc())
    )
    found: dict[int, BouncedAddress] = {}
    for person_id, external_id, name, email, event in rows:
        if person_id not in found:
            found[person_id] = BouncedAddress(
                person_id, external_id, name, email or "", as_utc(event.at), event.detail
            )
    return list(found.values())


# --- a review's own wording -------------------------------------------------------------


@dataclass(frozen=True)
class StoredWording:
    kind: str
    subject: str
    body_text: str
    body_html: str | None
    updated_at: datetime
    updated_by: str


def review_wordings(session: Session, review_id: int) -> dict[str, StoredWording]:
    """The review's own wording of each kind it has customised."""
    rows = session.scalars(select(MailTemplate).where(MailTemplate.review_id == review_id))
    return {
        row.kind: StoredWording(
            row.kind,
            row.subject,
            row.body_text,
            row.body_html,
            as_utc(row.updated_at),
            row.updated_by,
        )
        for row in rows
    }


def save_wording(
    session: Session,
    review_id: int,
    kind: str,
    *,
    subject: str,
    body_text: str,
    body_html: str | None,
    actor: str,
    at: datetime,
) -> bool:
    """Store the review's wording of ``kind``; True when it replaced an earlier one."""
    row = session.scalars(
        select(MailTemplate)
        .where(MailTemplate.review_id == review_id, MailTemplate.kind == kind)
        .with_for_update()
    ).first()
    replaced = row is not None
    if row is None:
        row = MailTemplate(review_id=review_id, kind=kind)
        session.add(row)
    row.subject, row.body_text, row.body_html = subject, body_text, body_html
    row.updated_at, row.updated_by = at, actor
    return replaced


def delete_wording(session: Session, review_id: int, kind: str) -> bool:
    """Drop the review's wording of ``kind``; True when there was one."""
    result = session.execute(
        delete(MailTemplate).where(MailTemplate.review_id == review_id, MailTemplate.kind == kind)
    )
    return bool(getattr(result, "rowcount", 0))


# --- scheduled reminders ----------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    id: int
    review_id: int
    review: str
    wave_id: int
    wave: str
    wave_status: str
    due_at: datetime
    created_by: str
    started_at: datetime | None
    sent_at: datetime | None
    outcome: dict[str, Any] | None


def add_reminder(session: Session, wave_id: int, due_at: datetime, actor: str) -> int:
    row = Reminder(wave_id=wave_id, due_at=due_at, created_by=actor)
    session.add(row)
    session.flush()
    return row.id


def reminder_exists(session: Session, wave_id: int, due_at: datetime) -> bool:
    query = select(func.count()).where(Reminder.wave_id == wave_id, Reminder.due_at == due_at)
    return bool(session.scalar(query))


def list_reminders(
    session: Session,
    *,
    review_id: int | None = None,
    wave_id: int | None = None,
    reminder_id: int | None = None,
) -> list[ReminderRow]:
    """Reminders by due time, of one review or wave (every one when neither is given)."""
    query = (
        select(Reminder, Wave.name, Wave.status, Wave.review_id, Review.name)
        .join(Wave, Wave.id == Reminder.wave_id)
        .join(Review, Review.id == Wave.review_id)
    )
    if review_id is not None:
        query = query.where(Wave.review_id == review_id)
    if wave_id is not None:
        query = query.where(Reminder.wave_id == wave_id)
    if reminder_id is not None:
        query = query.where(Reminder.id == reminder_id)
    rows = session.execute(query.order_by(Reminder.due_at, Reminder.id))
    return [
        ReminderRow(
            id=r.id,
            review_id=review_id,
            review=review,
            wave_id=r.wave_id,
            wave=name,
            wave_status=status,
            due_at=as_utc(r.due_at),
            created_by=r.created_by,
            started_at=as_utc(r.started_at) if r.started_at else None,
            sent_at=as_utc(r.sent_at) if r.sent_at else None,
            outcome=r.outcome,
        )
        for r, name, status, review_id, review in rows
    ]


def get_reminder(session: Session, reminder_id: int) -> ReminderRow | None:
    found = list_reminders(session, reminder_id=reminder_id)
    return found[0] if found else None


def delete_unstarted_reminder(session: Session, reminder_id: int) -> bool:
    """Delete a reminder no run has taken; False when it is taken (or gone)."""
    result = session.execute(
        delete(Reminder).where(Reminder.id == reminder_id, Reminder.started_at.is_(None))
    )
    return bool(getattr(result, "rowcount", 0))


def due_reminder_ids(session: Session, now: datetime) -> list[int]:
    """Reminders due by ``now`` that no run has taken yet, oldest first."""
    query = (
        select(Reminder.id)
        .where(Reminder.started_at.is_(None), Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
    )
    return list(session.scalars(query))


def claim_reminder(session: Session, reminder_id: int, now: datetime) -> bool:
    """Take a reminder for this run. Only one run's UPDATE finds ``started_at`` empty, so
    only one run ever sends it, whatever the number of workers."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.started_at.is_(None))
        .values(started_at=now)
    )
    return getattr(result, "rowcount", 0) == 1


def finish_reminder(
    session: Session, reminder_id: int, outcome: dict[str, Any], sent_at: datetime | None
) -> None:
    session.execute(
        update(Reminder).where(Reminder.id == reminder_id).values(outcome=outcome, sent_at=sent_at)
    )


def release_reminder(session: Session, reminder_id: int, outcome: dict[str, Any]) -> None:
    """Give a reminder back (nothing was sent), so that the next run tries again."""
    session.execute(
        update(Reminder).where(Reminder.id == reminder_id).values(started_at=None, outcome=outcome)
    )
