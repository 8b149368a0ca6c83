"""The relationship action log: a review's own improvement actions, with owners and status.

Review-level actions are ``action`` rows without a plan. :func:`seed_review_actions` adds
the four improvements the source paper's conclusions call for, each once; the rest are the
user's own. :func:`action_log` gives the review report what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from colead.development.plans import (
    ActionChange,
    apply_action_change,
    clean_action_text,
    clean_owner,
    iso_date,
)
from colead.errors import NotFound
from colead.store.plans import ActionRow, action_rows, add_action, get_action
from colead.store.reviews import audit, get_review

__all__ = [
    "SEEDED",
    "ActionLog",
    "LoggedAction",
    "action_log",
    "add_review_action",
    "list_review_actions",
    "seed_review_actions",
    "update_review_action",
]

#: topic -> wording of the improvement actions from the paper's conclusions. For a
#: review-level action ``practice_id`` holds its topic, so seeding can tell what exists.
SEEDED: dict[str, str] = {
    "link_deliverables": (
        "Put contract KPI results next to the collaboration scores of each site, and agree "
        "which behaviours the weakest deliverables depend on."
    ),
    "measure_leadership": (
        "Measure leadership behaviours, not only processes and compliance, in every joint "
        "review of the relationship."
    ),
    "develop_all_levels": (
        "Open development to people at every level and in both organisations, chosen by "
        "their results rather than by job title."
    ),
    "evaluate": (
        "Re-measure after the development programme and check whether behaviours and "
        "business results changed."
    ),
}


@dataclass(frozen=True)
class LoggedAction:
    """One action of the log, ready to show."""

    id: int
    topic: str | None
    text: str
    owner: str | None
    due_date: date | None
    status: str
    overdue: bool


@dataclass(frozen=True)
class ActionLog:
    """A review's action log, in due-date order, with counts by status."""

    review: str
    actions: tuple[LoggedAction, ...]
    counts: dict[str, int]
    overdue: int


def _logged(row: ActionRow, today: date | None) -> LoggedAction:
    late = (
        today is not None
        and row.due_date is not None
        and row.due_date < today
        and row.status in ("open", "in_progress")
    )
    return LoggedAction(
        row.id, row.practice_id, row.description, row.owner, row.due_date, row.status, late
    )


def list_review_actions(
    session: Session, review: str, today: date | None = None
) -> list[LoggedAction]:
    """The review's own actions (not those of personal plans), by due date and id."""
    review_row = get_review(session, review)
    return [_logged(r, today) for r in action_rows(session, review_id=review_row.id, plans=False)]


def seed_review_actions(
    session: Session,
    review: str,
    actor: str,
    *,
    owner: str | None = None,
    due_date: date | None = None,
) -> list[int]:
    """Add the paper's four improvement actions that the log does not hold yet; returns
    the ids of those added (none when all four exist)."""
    review_row = get_review(session, review)
    present = {r.practice_id for r in action_rows(session, review_id=review_row.id, plans=False)}
    added: list[int] = []
    for topic, text in SEEDED.items():
        if topic in present:
            continue
        row = add_action(
            session,
            review_id=review_row.id,
            plan_id=None,
            description=text,
            practice_id=topic,
            owner=clean_owner(owner) if owner is not None else None,
            due_date=due_date,
        )
        added.append(row.id)
    if added:
        audit(
            session,
            actor,
            "seed_review_actions",
            "review",
            review_row.id,
            review_id=review_row.id,
            actions=added,
        )
    return added


def add_review_action(
    session: Session,
    review: str,
    text: str,
    *,
    actor: str,
    owner: str | None = None,
    due_date: date | None = None,
    topic: str | None = None,
) -> int:
    """Add an action of the user's own to the review's log; returns its id."""
    review_row = get_review(session, review)
    row = add_action(
        session,
        review_id=review_row.id,
        plan_id=None,
        description=clean_action_text(text),
        practice_id=topic,
        owner=clean_owner(owner) if owner is not None else None,
        due_date=due_date,
    )
    audit(
        session,
        actor,
        "add_review_action",
        "action",
        row.id,
        review_id=review_row.id,
        text=row.description,
        owner=row.owner,
        due=iso_date(due_date),
    )
    return row.id


def update_review_action(
    session: Session, review: str, action_id: int, change: ActionChange, *, actor: str
) -> None:
    """Change status, text, owner or due date of one action of the review's log."""
    review_row = get_review(session, review)
    row = get_action(session, action_id)
    if row is None or row.review_id != review_row.id or row.plan_id is not None:
        raise NotFound(
            f"Review {review_row.name!r} has no logged action {action_id}.",
            f"See `colead actions list --review {review_row.name!r}`.",
        )
    apply_action_change(session, row, change, actor=actor)


def action_log(session: Session, review: str, today: date) -> ActionLog:
    """What the review report shows of the action log: every action, counts by status and
    how many are overdue on ``today``."""
    review_row = get_review(session, review)
    actions = tuple(list_review_actions(session, review_row.name, today))
    counts = {s: sum(a.status == s for a in actions) for s in ("open", "in_progress", "done")}
    counts["dropped"] = sum(a.status == "dropped" for a in actions)
    return ActionLog(review_row.name, actions, counts, sum(a.overdue for a in actions))
