"""Personal development plans: generated from a wave's results, agreed, worked through.

A plan belongs to one person and one wave. :func:`generate_plans` picks each person's focus
practices (:func:`colead.analysis.plans.focus_practices`: the lowest practices as all
observers see them, plus blind spots) and suggests actions from the framework's action
library. Plans and actions then move through their statuses; overdue actions can be listed
and their owners reminded by e-mail (:mod:`colead.development.plan_reminders`). Every change is
audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.analysis import analyse_wave
from colead.analysis.plans import Focus, focus_practices
from colead.config import ANONYMITY_FLOOR
from colead.errors import InvalidData, InvalidTransition, NotFound, UnknownPerson
from colead.fieldwork.release import published_wave
from colead.framework import Framework, RatedUnit, load_framework
from colead.store import transaction
from colead.store.plans import (
    ActionRow,
    action_rows,
    add_action,
    add_plan,
    find_plan,
    get_action,
    get_plan,
    people_by_external_id,
    save_action,
)
from colead.store.reviews import audit, get_review, load_framework_version
from colead.store.schema import Action, Person
from colead.store.waves import load_wave_data

__all__ = [
    "ACTION_STATUSES",
    "DEFAULT_DUE_DAYS",
    "PLAN_STATUSES",
    "ActionChange",
    "CreatedPlan",
    "PlanGeneration",
    "add_custom_action",
    "apply_action_change",
    "clean_action_text",
    "clean_owner",
    "generate_plans",
    "iso_date",
    "list_plan_actions",
    "overdue_actions",
    "set_plan_status",
    "update_action",
]

#: Plans move forward only: a draft is agreed with the person, then done.
PLAN_STATUSES = ("draft", "agreed", "done")
PLAN_STEPS = {"draft": {"agreed"}, "agreed": {"done"}, "done": set[str]()}
#: Actions can be reopened: a "done" that turns out premature goes back to in progress.
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
ACTION_STEPS = {
    "open": {"in_progress", "done", "dropped"},
    "in_progress": {"open", "done", "dropped"},
    "done": {"in_progress"},
    "dropped": {"open"},
}
#: Default time to work on a plan: about one quarter, a common follow-up rhythm.
DEFAULT_DUE_DAYS = 90
#: Suggested actions per focus practice.
ACTIONS_PER_PRACTICE = 2
MAX_OWNER = 200
MAX_TEXT = 2000


@dataclass(frozen=True)
class CreatedPlan:
    plan_id: int
    person: str
    name: str
    practices: tuple[str, ...]
    actions: int


@dataclass(frozen=True)
class PlanGeneration:
    review: str
    wave: str
    due_date: date
    created: tuple[CreatedPlan, ...]
    #: people who already had a plan for this wave (left as they were)
    existing: tuple[str, ...]
    #: people with no shown observer score, so nothing to base a plan on
    without_focus: tuple[str, ...]


@dataclass(frozen=True)
class ActionChange:
    """Fields to change on an action; None leaves a field as it is."""

    status: str | None = None
    text: str | None = None
    owner: str | None = None
    due_date: date | None = None


def _with_actions(framework: Framework) -> Framework:
    """The wave's framework, or the built-in one when it measures the same and only the
    built-in one carries the action library (waves stored before actions existed)."""
    if framework.has_actions:
        return framework
    built_in = load_framework()
    return built_in if built_in.fingerprint == framework.fingerprint else framework


def _leadership_scales(framework: Framework) -> list[str]:
    """The person-rated practices of the leadership family (the first person-rated family
    when a framework has none called so)."""
    person = [f for f in framework.families if f.rates is RatedUnit.person]
    chosen = [f for f in person if f.id == "leadership"] or person[:1]
    return [s.id for f in chosen for s in f.scales]


def default_due_date(closed_at: datetime | None, today: date) -> date:
    """:data:`DEFAULT_DUE_DAYS` after the wave closed, or after today when it has not."""
    start = closed_at.date() if closed_at is not None else today
    return start + timedelta(days=DEFAULT_DUE_DAYS)


def generate_plans(
    engine: Engine,
    review: str,
    wave: str | None = None,
    people: Sequence[str] | None = None,
    *,
    actor: str,
    due: date | None = None,
    minimum: int = ANONYMITY_FLOOR,
    today: date | None = None,
) -> PlanGeneration:
    """One draft plan per person of a wave, with suggested actions for each focus practice.

    A person who already has a plan for the wave keeps it untouched (listed in
    ``existing``), so running this again never duplicates. Actions are owned by the person
    (their external id) and due on ``due`` (default :func:`default_due_date`).

    Raises UnknownPerson when a requested id is not a person of the review.
    """
    today = today or datetime.now(UTC).date()
    with transaction(engine) as session:
        review_row = get_review(session, review)
        wave_row = published_wave(session, review_row, wave)
        framework = _with_actions(load_framework_version(session, wave_row.framework_version_id))
        data = load_wave_data(session, review_row, wave_row, framework)
        directory = people_by_external_id(session, review_row.id)
        names = (review_row.name, wave_row.name)
        review_id, wave_id = review_row.id, wave_row.id
        due_date = due or default_due_date(wave_row.closed_at, today)
    if people is not None:
        unknown = [p for p in dict.fromkeys(people) if p not in directory]
        if unknown:
            raise UnknownPerson(
                f"Review {names[0]!r} has no person {', '.join(repr(p) for p in unknown[:5])}.",
                "Use the person_id from the review's people file (ids are case-sensitive).",
            )
    rated = sorted(set(data.responses["ratee_id"].astype(str)))
    chosen = list(dict.fromkeys(people)) if people is not None else rated
    focus: dict[str, tuple[Focus, ...]] = {}
    if rated:
        results = analyse_wave(data, minimum)
        margin = results.self_other.margin if results.self_other is not None else 0.5
        focus = focus_practices(
            results.person_scores.table, _leadership_scales(framework), margin=margin
        )
    library = {s.id: [a.text for a in s.actions] for s in framework.scales}
    created: list[CreatedPlan] = []
    existing: list[str] = []
    with transaction(engine) as session:
        for pid in chosen:
            if pid not in focus:
                continue
            person = directory[pid]
            if find_plan(session, person.id, wave_id) is not None:
                existing.append(pid)
                continue
            plan = add_plan(session, person.id, wave_id)
            count = 0
            for item in focus[pid]:
                for text in library.get(item.scale_id, [])[:ACTIONS_PER_PRACTICE]:
                    add_action(
                        session,
                        review_id=review_id,
                        plan_id=plan.id,
                        description=text,
                        practice_id=item.scale_id,
                        owner=pid,
                        due_date=due_date,
                        flush=False,
                    )
                    count += 1
            practices = tuple(f.scale_id for f in focus[pid])
            audit(
                session,
                actor,
                "generate_plan",
                "development_plan",
                plan.id,
                review_id=review_id,
                person=pid,
                wave=names[1],
                practices=[
                    {"practice": f.scale_id, "reasons": list(f.reasons)} for f in focus[pid]
                ],
                actions=count,
                due=due_date.isoformat(),
            )
            created.append(CreatedPlan(plan.id, pid, person.name, practices, count))
    without = tuple(p for p in chosen if p not in focus)
    return PlanGeneration(*names, due_date, tuple(created), tuple(existing), without)


# --- changing plans and actions ----------------------------------------------------------


def set_plan_status(session: Session, plan_id: int, status: str, *, actor: str) -> str:
    """Move a plan to ``status`` (draft -> agreed -> done); returns the earlier status."""
    plan = get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"There is no development plan {plan_id}.", "See `colead plans list`.")
    if status not in PLAN_STATUSES:
        raise InvalidData(
            f"{status!r} is not a plan status.", f"Use one of {', '.join(PLAN_STATUSES)}."
        )
    before = plan.status
    if status == before:
        return before
    if status not in PLAN_STEPS[before]:
        raise InvalidTransition(
            f"Plan {plan_id} is {before}; it cannot become {status}.",
            "Plans go draft -> agreed -> done.",
        )
    plan.status = status
    audit(
        session,
        actor,
        "plan_status",
        "development_plan",
        plan_id,
        review_id=_person_review(session, plan.person_id),
        person_id=plan.person_id,
        before=before,
        after=status,
    )
    return before


def clean_action_text(text: str) -> str:
    tidy = " ".join(text.split())
    if not tidy:
        raise InvalidData("The action text is empty.", "Describe what will be done.")
    if len(tidy) > MAX_TEXT:
        raise InvalidData("The action text is too long.", f"Keep it under {MAX_TEXT} characters.")
    return tidy


def clean_owner(owner: str) -> str | None:
    tidy = " ".join(owner.split())
    if len(tidy) > MAX_OWNER:
        raise InvalidData("The owner is too long.", f"Keep it under {MAX_OWNER} characters.")
    return tidy or None


def apply_action_change(session: Session, row: Action, change: ActionChange, *, actor: str) -> None:
    """Change an action's status, text, owner or due date, with one audit entry."""
    detail: dict[str, Any] = {}
    if change.status is not None and change.status != row.status:
        if change.status not in ACTION_STATUSES:
            raise InvalidData(
                f"{change.status!r} is not an action status.",
                f"Use one of {', '.join(ACTION_STATUSES)}.",
            )
        if change.status not in ACTION_STEPS[row.status]:
            raise InvalidTransition(
                f"Action {row.id} is {row.status}; it cannot become {change.status}.",
                "Reopen a dropped action first; a done action can go back to in_progress.",
            )
        detail["status"] = [row.status, change.status]
        row.status = change.status
    if change.text is not None:
        text = clean_action_text(change.text)
        if text != row.description:
            detail["text"] = [row.description, text]
            row.description = text
    if change.owner is not None:
        owner = clean_owner(change.owner)
        if owner != row.owner:
            detail["owner"] = [row.owner, owner]
            row.owner = owner
    if change.due_date is not None and change.due_date != row.due_date:
        detail["due"] = [iso_date(row.due_date), change.due_date.isoformat()]
        row.due_date = change.due_date
    if not detail:
        return
    save_action(session, row)
    audit(session, actor, "update_action", "action", row.id, review_id=row.review_id, **detail)


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def update_action(session: Session, action_id: int, change: ActionChange, *, actor: str) -> None:
    """Change any action, of a plan or of a review's log."""
    row = get_action(session, action_id)
    if row is None:
        raise NotFound(f"There is no action {action_id}.", "See `colead plans list`.")
    apply_action_change(session, row, change, actor=actor)


def add_custom_action(
    session: Session,
    plan_id: int,
    text: str,
    *,
    actor: str,
    owner: str | None = None,
    due_date: date | None = None,
    practice: str | None = None,
) -> int:
    """Add an action of one's own to a plan; owner defaults to the plan's person, due date
    to the plan's latest. Returns the new action's id."""
    plan = get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"There is no development plan {plan_id}.", "See `colead plans list`.")
    review_id = _person_review(session, plan.person_id)
    current = [
        r for r in action_rows(session, review_id=review_id, plans=True) if r.plan_id == plan_id
    ]
    person = _person_external_id(session, plan.person_id)
    dues = [r.due_date for r in current if r.due_date is not None]
    row = add_action(
        session,
        review_id=review_id,
        plan_id=plan_id,
        description=clean_action_text(text),
        practice_id=practice,
        owner=clean_owner(owner) if owner is not None else person,
        due_date=due_date or (max(dues) if dues else None),
    )
    audit(
        session,
        actor,
        "add_action",
        "action",
        row.id,
        review_id=review_id,
        plan_id=plan_id,
        text=row.description,
        owner=row.owner,
        due=iso_date(row.due_date),
    )
    return row.id


def _person_review(session: Session, person_id: int) -> int:
    person = session.get(Person, person_id)
    assert person is not None  # a plan is deleted with its person
    return person.review_id


def _person_external_id(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    assert person is not None
    return person.external_id


# --- reading -----------------------------------------------------------------------------


def list_plan_actions(
    session: Session,
    review: str,
    *,
    person: str | None = None,
    overdue_on: date | None = None,
) -> list[ActionRow]:
    """The plan actions of a review (one person's when ``person`` is given); only those
    still open or in progress and due before ``overdue_on`` when it is given."""
    review_row = get_review(session, review)
    person_id = None
    if person is not None:
        found = people_by_external_id(session, review_row.id, [person])
        if person not in found:
            raise UnknownPerson(f"Review {review_row.name!r} has no person {person!r}.")
        person_id = found[person].id
    return action_rows(
        session,
        review_id=review_row.id,
        plans=True,
        person_id=person_id,
        open_due_before=overdue_on,
    )


def overdue_actions(session: Session, today: date, review: str | None = None) -> list[ActionRow]:
    """Actions (of plans and review logs) still open or in progress and due before today."""
    review_id = get_review(session, review).id if review is not None else None
    return action_rows(session, review_id=review_id, open_due_before=today)
