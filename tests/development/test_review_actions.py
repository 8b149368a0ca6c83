"""The relationship action log: seeded once, added to, updated, shown to the review report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from colead.development.plans import ActionChange
from colead.development.review_actions import (
    SEEDED,
    action_log,
    add_review_action,
    list_review_actions,
    seed_review_actions,
    update_review_action,
)
from colead.errors import InvalidTransition, NotFound, ReviewNotFound
from colead.store import transaction
from colead.store.reviews import get_or_create_review
from colead.store.schema import Action, AuditEntry

pytestmark = pytest.mark.integration

REVIEW = "Client X – Supplier Y"
OTHER = "Other relationship"


@pytest.fixture
def reviews(engine: Engine) -> Engine:
    with transaction(engine) as session:
        get_or_create_review(session, REVIEW)
        get_or_create_review(session, OTHER)
    return engine


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_seeding_adds_the_four_improvements_once(reviews: Engine) -> None:
    with transaction(reviews) as session:
        added = seed_review_actions(
            session, REVIEW, "tester", owner="Relationship manager", due_date=date(2027, 1, 31)
        )
        assert len(added) == 4
        assert seed_review_actions(session, REVIEW, "tester") == []
        assert len(seed_review_actions(session, OTHER, "tester")) == 4
    with transaction(reviews) as session:
        logged = list_review_actions(session, REVIEW)
    assert [a.topic for a in logged] == list(SEEDED)
    assert [a.text for a in logged] == list(SEEDED.values())
    assert {(a.owner, a.due_date, a.status) for a in logged} == {
        ("Relationship manager", date(2027, 1, 31), "open")
    }
    entries = _audit(reviews, "seed_review_actions")
    assert len(entries) == 2 and entries[0].detail == {"actions": added}


def test_actions_are_added_updated_and_kept_apart_per_review(reviews: Engine) -> None:
    with transaction(reviews) as session:
        mine = add_review_action(
            session,
            REVIEW,
            "Agree a joint KPI dashboard",
            actor="tester",
            owner="Joint board",
            due_date=date(2027, 2, 1),
        )
        theirs = add_review_action(session, OTHER, "Something else", actor="tester")
        update_review_action(
            session,
            REVIEW,
            mine,
            ActionChange(status="in_progress", due_date=date(2027, 3, 1)),
            actor="tester",
        )
        with pytest.raises(NotFound):
            update_review_action(session, REVIEW, theirs, ActionChange(status="done"), actor="t")
        update_review_action(session, REVIEW, mine, ActionChange(status="dropped"), actor="t")
        with pytest.raises(InvalidTransition):
            update_review_action(session, REVIEW, mine, ActionChange(status="done"), actor="t")
        with pytest.raises(ReviewNotFound):
            list_review_actions(session, "No such review")
    with transaction(reviews) as session:
        (row,) = list_review_actions(session, REVIEW)
        assert (row.text, row.owner, row.due_date, row.status) == (
            "Agree a joint KPI dashboard",
            "Joint board",
            date(2027, 3, 1),
            "dropped",
        )
        assert session.scalars(select(Action.plan_id)).all() == [None, None]
    assert len(_audit(reviews, "add_review_action")) == 2
    assert len(_audit(reviews, "update_action")) == 2


def test_the_report_log_counts_statuses_and_overdue_actions(reviews: Engine) -> None:
    with transaction(reviews) as session:
        first, second, third, fourth = seed_review_actions(
            session, REVIEW, "tester", due_date=date(2027, 1, 31)
        )
        update_review_action(session, REVIEW, first, ActionChange(status="done"), actor="t")
        update_review_action(session, REVIEW, second, ActionChange(status="in_progress"), actor="t")
        update_review_action(
            session, REVIEW, third, ActionChange(due_date=date(2027, 6, 1)), actor="t"
        )
        log = action_log(session, REVIEW, date(2027, 2, 1))
    assert log.review == REVIEW
    assert log.counts == {"open": 2, "in_progress": 1, "done": 1, "dropped": 0}
    # done is never overdue; the moved one is not yet due
    assert {a.id for a in log.actions if a.overdue} == {second, fourth}
    assert log.overdue == 2
    assert [a.id for a in log.actions] == [first, second, fourth, third]
