"""Development plans as the admin console and the people themselves see and change them.

The console lists a review's plans with how far their actions have got and opens one plan
with its actions. A person reaches their own plans through their participant link, and a
line manager (``person.manager_id``) sees and updates the plans of their direct reports
through theirs. Changes go through :mod:`colead.development.plans`, so the same rules and the same
audit log apply; the audit entry names who made it, the person or their manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from colead.development.plans import ActionChange, apply_action_change
from colead.errors import InvalidData, NotFound
from colead.store.plans import (
    ActionRow,
    PlanRow,
    action_rows,
    direct_report_ids,
    get_action,
    get_plan,
    plan_rows,
)
from colead.store.reviews import audit, get_review
from colead.store.schema import Person

__all__ = [
    "MAX_NOTE",
    "ParticipantPlans",
    "PlanDetail",
    "PlanSummary",
    "is_overdue",
    "list_plans",
    "participant_action_status",
    "participant_note",
    "participant_plans",
    "plan_detail",
]

#: a progress note is a line or two, not a report
MAX_NOTE = 1000
_STILL_OPEN = ("open", "in_progress")


def is_overdue(action: ActionRow, today: date) -> bool:
    """Still open or in progress and due before ``today``."""
    return action.status in _STILL_OPEN and action.due_date is not None and action.due_date < today


@dataclass(frozen=True)
class PlanSummary:
    """A plan as listed: whose, which wave, its status and its actions counted."""

    id: int
    person: str
    person_name: str
    wave: str | None
    status: str
    notes: str | None
    actions: int
    done: int
    #: open or in progress
    still_open: int
    overdue: int
    next_due: date | None


@dataclass(frozen=True)
class PlanDetail:
    plan: PlanSummary
    actions: tuple[ActionRow, ...]


@dataclass(frozen=True)
class ParticipantPlans:
    """What a participant link shows: the person's own plans and their direct reports'."""

    own: tuple[PlanDetail, ...]
    reports: tuple[PlanDetail, ...]


def _summary(plan: PlanRow, actions: list[ActionRow], today: date) -> PlanSummary:
    open_dues = [a.due_date for a in actions if a.status in _STILL_OPEN and a.due_date]
    return PlanSummary(
        id=plan.id,
        person=plan.person,
        person_name=plan.person_name,
        wave=plan.wave,
        status=plan.status,
        notes=plan.notes,
        actions=len(actions),
        done=sum(a.status == "done" for a in actions),
        still_open=sum(a.status in _STILL_OPEN for a in actions),
        overdue=sum(is_overdue(a, today) for a in actions),
        next_due=min(open_dues) if open_dues else None,
    )


def _details(
    session: Session, review_id: int, plans: list[PlanRow], today: date
) -> list[PlanDetail]:
    if not plans:
        return []
    by_plan: dict[int, list[ActionRow]] = {p.id: [] for p in plans}
    # a few plans (a participant's) are fetched by id; a whole review's in one pass
    chosen = list(by_plan) if len(by_plan) <= 500 else None
    for row in action_rows(session, review_id=review_id, plans=True, plan_ids=chosen):
        if row.plan_id is not None and row.plan_id in by_plan:
            by_plan[row.plan_id].append(row)
    return [PlanDetail(_summary(p, by_plan[p.id], today), tuple(by_plan[p.id])) for p in plans]


def list_plans(session: Session, review: str, today: date) -> list[PlanSummary]:
    """Every plan of a review, by person, with its actions counted on ``today``."""
    review_row = get_review(session, review)
    plans = plan_rows(session, review_row.id)
    return [d.plan for d in _details(session, review_row.id, plans, today)]


def plan_detail(session: Session, review: str, plan_id: int, today: date) -> PlanDetail:
    """One plan of a review with its actions; NotFound for a plan of another review."""
    review_row = get_review(session, review)
    found = plan_rows(session, review_row.id, plan_id=plan_id)
    if not found:
        raise NotFound(
            f"Review {review_row.name!r} has no development plan {plan_id}.",
            "Open it from the review's list of development plans.",
        )
    return _details(session, review_row.id, found, today)[0]


def participant_plans(
    session: Session, review_id: int, person_id: int, today: date
) -> ParticipantPlans:
    """A person's own plans and those of the people who report to them."""
    own = plan_rows(session, review_id, person_ids=[person_id])
    reports = direct_report_ids(session, person_id)
    theirs = plan_rows(session, review_id, person_ids=reports) if reports else []
    return ParticipantPlans(
        tuple(_details(session, review_id, own, today)),
        tuple(_details(session, review_id, theirs, today)),
    )


def _participant_actor(session: Session, person_id: int, plan_person_id: int) -> str:
    """``person P1`` for the plan's own person, ``manager M1`` for their line manager;
    NotFound for anyone else, worded as for a plan that does not exist, so a link
    cannot find out about other people's plans."""
    who = session.get(Person, person_id)
    owner = session.get(Person, plan_person_id)
    if who is not None and owner is not None:
        if owner.id == who.id:
            return f"person {who.external_id}"
        if owner.manager_id == who.id:
            return f"manager {who.external_id}"
    raise NotFound("That plan is not one you can see.", "Reload the page and try again.")


def participant_action_status(session: Session, person_id: int, action_id: int, status: str) -> str:
    """Set the status of an action of the person's own plan or a direct report's plan;
    returns the actor named in the audit log."""
    row = get_action(session, action_id)
    plan = get_plan(session, row.plan_id) if row is not None and row.plan_id else None
    if row is None or plan is None:
        raise NotFound("That action is not one you can see.", "Reload the page and try again.")
    actor = _participant_actor(session, person_id, plan.person_id)
    apply_action_change(session, row, ActionChange(status=status), actor=actor)
    return actor


def participant_note(session: Session, person_id: int, plan_id: int, note: str) -> str:
    """Replace the progress note of the person's own plan or a direct report's plan;
    returns the actor named in the audit log."""
    plan = get_plan(session, plan_id)
    if plan is None:
        raise NotFound("That plan is not one you can see.", "Reload the page and try again.")
    actor = _participant_actor(session, person_id, plan.person_id)
    tidy = note.strip()
    if len(tidy) > MAX_NOTE:
        raise InvalidData("The progress note is too long.", f"Keep it under {MAX_NOTE} characters.")
    new = tidy or None
    if new != plan.notes:
        before, plan.notes = plan.notes, new
        session.flush()
        owner = session.get(Person, plan.person_id)
        audit(
            session,
            actor,
            "plan_note",
            "development_plan",
            plan.id,
            review_id=owner.review_id if owner is not None else None,
            before=before,
            after=new,
        )
    return actor
