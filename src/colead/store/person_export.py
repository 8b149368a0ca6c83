"""SQL of a person's export: every row about one person, as plain values.

Which tables can hold something about a person is declared once, in
:mod:`colead.store.privacy`; the export draws on each of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from colead.domain import WaveStatus
from colead.store.privacy import mail_query, same_email
from colead.store.schema import (
    Action,
    Assignment,
    DevelopmentPlan,
    Enrolment,
    Organisation,
    Person,
    Programme,
    Response,
    Site,
    Wave,
)
from colead.store.schema_console import MailEvent, Nomination, ParticipantLink
from colead.store.schema_development import ProgrammeReaction

__all__ = [
    "enrolment_rows",
    "forms_about",
    "mail_rows",
    "nomination_rows",
    "participant_link_rows",
    "person_record",
    "plan_rows",
    "rater_forms",
]


def person_record(session: Session, person: Person) -> dict[str, Any]:
    """The person's own row with the names of their organisation, site and manager."""
    org = session.get(Organisation, person.organisation_id)
    site = session.get(Site, person.site_id)
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    return {
        "person_id": person.external_id,
        "name": person.name,
        "email": person.email,
        "organisation": org.name if org else None,
        "organisation_role": org.role if org else None,
        "site": site.name if site else None,
        "site_region": site.region if site else None,
        "role_title": person.role_title,
        "level": person.level,
        "manager": ({"person_id": manager.external_id, "name": manager.name} if manager else None),
    }


def rater_forms(session: Session, person: Person) -> list[dict[str, Any]]:
    """Every form the person was asked to fill in, with their answers when saved."""
    ratee = Person.__table__.alias("ratee")
    rows = session.execute(
        select(
            Wave.name,
            Wave.framework_version_id,
            ratee.c.external_id,
            ratee.c.name,
            Assignment.relation,
            Response.item_values,
            Response.comment_strengths,
            Response.comment_suggestions,
            Response.submitted_at,
            Response.framework_version_id,
        )
        .join(Wave, Wave.id == Assignment.wave_id)
        .join(ratee, ratee.c.id == Assignment.ratee_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Assignment.rater_id == person.id)
        .order_by(Wave.ordinal, Assignment.id)
    )
    return [
        {
            "wave": r[0],
            "framework_version_id": r[9] if r[9] is not None else r[1],
            "ratee_id": r[2],
            "ratee_name": r[3],
            "relation": r[4],
            "item_values": r[5],
            "comment_strengths": r[6],
            "comment_suggestions": r[7],
            "submitted_at": r[8],
        }
        for r in rows
    ]


def forms_about(
    session: Session, person: Person
) -> list[tuple[str, int, list[tuple[int, str, bytes, str | None, str | None]]]]:
    """Per closed wave (in order): name, framework version and the published forms about
    the person as (rater key, relation, packed answers, strengths, suggestions).

    Only what the person's own report may show: results of open waves are not published."""
    rows = session.execute(
        select(
            Wave.name,
            Wave.framework_version_id,
            Assignment.rater_id,
            Assignment.relation,
            Response.item_values,
            Response.comment_strengths,
            Response.comment_suggestions,
        )
        .join(Wave, Wave.id == Assignment.wave_id)
        .join(Response, Response.assignment_id == Assignment.id)
        .where(
            Assignment.ratee_id == person.id,
            Response.released_at.is_not(None),
            Wave.status == WaveStatus.closed.value,
        )
        .order_by(Wave.ordinal, Assignment.id)
    )
    waves: dict[str, tuple[int, list[tuple[int, str, bytes, str | None, str | None]]]] = {}
    for name, version, rater, relation, values, strengths, suggestions in rows:
        waves.setdefault(name, (version, []))[1].append(
            (rater, relation, values, strengths, suggestions)
        )
    return [(name, version, forms) for name, (version, forms) in waves.items()]


def enrolment_rows(session: Session, person: Person) -> list[dict[str, Any]]:
    """Enrolments with attendance and the reaction questionnaire they answered."""
    rows = session.execute(
        select(Programme.name, Enrolment, ProgrammeReaction)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .outerjoin(ProgrammeReaction, ProgrammeReaction.enrolment_id == Enrolment.id)
        .where(Enrolment.person_id == person.id)
        .order_by(Enrolment.id)
    )
    return [
        {
            "programme": name,
            "start": enrolment.start_date,
            "end": enrolment.end_date,
            "completed": enrolment.completed,
            "sessions_attended": enrolment.sessions_attended,
            "sessions_total": enrolment.sessions_total,
            "reaction": None
            if reaction is None
            else {
                "invited_at": reaction.invited_at,
                "submitted_at": reaction.submitted_at,
                "answers": reaction.answers,
                "comment": reaction.comment,
            },
        }
        for name, enrolment, reaction in rows
    ]


def plan_rows(session: Session, person: Person) -> list[dict[str, Any]]:
    """Development plans with their actions."""
    plans = session.execute(
        select(DevelopmentPlan, Wave.name)
        .outerjoin(Wave, Wave.id == DevelopmentPlan.wave_id)
        .where(DevelopmentPlan.person_id == person.id)
        .order_by(DevelopmentPlan.id)
    ).all()
    found = []
    for plan, wave in plans:
        actions = session.scalars(
            select(Action).where(Action.plan_id == plan.id).order_by(Action.id)
        )
        found.append(
            {
                "wave": wave,
                "status": plan.status,
                "notes": plan.notes,
                "created_at": plan.created_at,
                "actions": [
                    {
                        "practice": a.practice_id,
                        "description": a.description,
                        "owner": a.owner,
                        "due": a.due_date,
                        "status": a.status,
                        "created_at": a.created_at,
                        "updated_at": a.updated_at,
                    }
                    for a in actions
                ],
            }
        )
    return found


def nomination_rows(session: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    """Raters the person proposed for their own 360, and nominations of them as a rater
    (without the nominator's note, which is someone else's words)."""
    rater = Person.__table__.alias("rater")
    ratee = Person.__table__.alias("ratee")
    made = session.execute(
        select(Nomination, Wave.name, rater.c.external_id, rater.c.name)
        .join(Wave, Wave.id == Nomination.wave_id)
        .outerjoin(rater, rater.c.id == Nomination.rater_id)
        .where(Nomination.ratee_id == person.id)
        .order_by(Nomination.id)
    )
    of_them = session.execute(
        select(Nomination, Wave.name, ratee.c.external_id)
        .join(Wave, Wave.id == Nomination.wave_id)
        .join(ratee, ratee.c.id == Nomination.ratee_id)
        .where(
            or_(
                Nomination.rater_id == person.id,
                same_email(Nomination.rater_email, person.email),
            ),
            Nomination.ratee_id != person.id,
            Wave.review_id == person.review_id,
        )
        .order_by(Nomination.id)
    )
    return {
        "made": [
            {
                "wave": wave,
                "relation": n.relation,
                "rater_id": ext,
                "rater_name": name or n.rater_name,
                "rater_email": n.rater_email,
                "status": n.status,
                "note": n.note,
                "created_at": n.created_at,
                "decided_at": n.decided_at,
            }
            for n, wave, ext, name in made
        ],
        "as_rater": [
            {
                "wave": wave,
                "ratee_id": ext,
                "relation": n.relation,
                "status": n.status,
                "created_at": n.created_at,
            }
            for n, wave, ext in of_them
        ],
    }


def participant_link_rows(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Wave.name, ParticipantLink.created_at)
        .join(Wave, Wave.id == ParticipantLink.wave_id)
        .where(ParticipantLink.person_id == person.id)
        .order_by(ParticipantLink.id)
    )
    return [{"wave": wave, "created_at": at} for wave, at in rows]


def mail_rows(session: Session, person: Person) -> list[dict[str, Any]]:
    """E-mails sent (or refused, or bounced) to the person in this review."""
    waves: dict[int, str] = {
        wave_id: name
        for wave_id, name in session.execute(
            select(Wave.id, Wave.name).where(Wave.review_id == person.review_id)
        )
    }
    return [
        {
            "wave": waves.get(m.wave_id) if m.wave_id else None,
            "kind": m.kind,
            "email": m.email,
            "status": m.status,
            "detail": m.detail,
            "at": m.at,
        }
        for m in session.scalars(mail_query(person).order_by(MailEvent.id))
    ]
