"""`colead plans` and `colead actions` from the command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from builders import default_framework, small_simulation
from colead.errors import InvalidData, InvalidTransition, UnknownPerson
from colead.jobs.demo import store_simulation
from colead.store import init_database, open_database, transaction
from colead.store.schema import Action, AuditEntry, DevelopmentPlan
from mail import test_smtp as test_mail
from mail.test_smtp import Collector, failure, invoke

pytestmark = pytest.mark.integration

smtp = test_mail.smtp


@pytest.fixture
def stored(database_url: str) -> tuple[str, str]:
    init_database(database_url)
    engine = open_database(database_url)
    try:
        review = store_simulation(engine, small_simulation(11), default_framework()).review
    finally:
        engine.dispose()
    return database_url, review


def _ids(url: str, plans: bool) -> list[int]:
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            column = Action.plan_id.is_not(None) if plans else Action.plan_id.is_(None)
            return list(session.scalars(select(Action.id).where(column).order_by(Action.id)))
    finally:
        engine.dispose()


def test_generate_list_update_and_remind(
    stored: tuple[str, str], smtp: tuple[Collector, int]
) -> None:
    url, review = stored
    handler, port = smtp
    base = ("--review", review, "--db", url)
    made = invoke(
        port, "plans", "generate", *base, "--wave", "baseline", "--person", "P00001",
        "--person", "P00002", "--due", "2020-01-31",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "Created 2 plan(s)" in made.output and "2020-01-31" in made.output
    again = invoke(port, "plans", "generate", *base, "--wave", "baseline", "--person", "P00001")
    assert "Created 0 plan(s)" in again.output and "already had a plan" in again.output
    listed = invoke(port, "plans", "list", *base, "--person", "P00002")
    assert listed.exit_code == 0 and "P00002" in listed.output and "P00001" not in listed.output
    first, *rest = _ids(url, plans=True)
    done = invoke(port, "plans", "update", "--action", str(first), "--status", "done", "--db", url)
    assert done.exit_code == 0, done.output
    back = invoke(port, "plans", "update", "--action", str(first), "--status", "open", "--db", url)
    assert isinstance(failure(back, InvalidTransition), InvalidTransition)
    bad = invoke(port, "plans", "update", "--action", str(first), "--due", "31/01", "--db", url)
    assert "YYYY-MM-DD" in str(failure(bad, InvalidData).hint)
    overdue = invoke(port, "plans", "list", *base, "--overdue")
    shown = {int(i) for i in re.findall(r"^│ (\d+) ", overdue.output, flags=re.MULTILINE)}
    assert shown == set(rest) and first not in shown
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            plan_id = session.scalars(
                select(DevelopmentPlan.id).order_by(DevelopmentPlan.id)
            ).first()
    finally:
        engine.dispose()
    agreed = invoke(
        port, "plans", "update", "--plan", str(plan_id), "--status", "agreed",
        "--add", "Visit a partner site", "--db", url,
    )  # fmt: skip
    assert agreed.exit_code == 0 and "draft -> agreed" in agreed.output
    dry = invoke(port, "plans", "remind", "--dry-run", "--db", url)
    assert dry.exit_code == 0 and "Would remind 2 person(s)" in dry.output
    assert handler.envelopes == []
    sent = invoke(port, "plans", "remind", "--db", url)
    assert sent.exit_code == 0 and "Reminded 2 person(s)" in sent.output
    assert len(handler.envelopes) == 2
    unknown = invoke(port, "plans", "generate", *base, "--person", "NOBODY")
    assert isinstance(failure(unknown, UnknownPerson), UnknownPerson)


def test_action_log_commands(stored: tuple[str, str]) -> None:
    url, review = stored
    base = ("--review", review, "--db", url)
    seeded = invoke(1025, "actions", "seed", *base, "--owner", "Joint board", "--due", "2020-06-30")
    assert seeded.exit_code == 0 and "Added 4 action(s)" in seeded.output
    assert "already holds all four" in invoke(1025, "actions", "seed", *base).output
    added = invoke(1025, "actions", "add", *base, "--text", "Publish the KPI link")
    assert added.exit_code == 0
    new = int(re.findall(r"Added action (\d+)", added.output)[0])
    changed = invoke(
        1025, "actions", "update", *base, "--action", str(new), "--status", "in_progress",
        "--owner", "Contract manager",
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    listed = invoke(1025, "actions", "list", *base)
    assert "Publish the KPI link" in listed.output and "in_progress" in listed.output
    assert listed.output.count("(overdue)") == 4
    assert _ids(url, plans=False)[-1] == new
    engine = open_database(url)
    try:
        with transaction(engine) as session:
            actors = set(session.scalars(select(AuditEntry.actor).where(
                AuditEntry.action.in_(("seed_review_actions", "add_review_action", "update_action"))
            )))  # fmt: skip
    finally:
        engine.dispose()
    assert actors == {"cli"}
