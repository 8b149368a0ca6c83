"""The console's development-plan pages: generate, list, edit actions, plan status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from colead.store.plans import action_rows
from colead.store.schema import Action, DevelopmentPlan
from web.development_loop import (
    EMAIL,
    audit_rows,
    console_client,
    log_in,
    make_plan,
    review_url,
    session_on,
    store_simulated,
    store_small,
    text_of,
)
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

PLANS = f"{review_url(REVIEW)}/plans"
LATE = date(2020, 1, 31)
LATER = date(2099, 1, 31)


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_small(database_url)


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    yield from console_client(stored.url, tmp_path / "data")


@pytest.fixture
def csrf(console: TestClient) -> str:
    return log_in(console)


def _plan(stored: SurveyDatabase, person: str = "C2") -> tuple[int, list[int]]:
    actions = [("Share plans early", LATE), ("Ask the partner for feedback", LATER)]
    return make_plan(stored.url, REVIEW, person, actions, stored.wave_ids["baseline"])


def _action(url: str, action_id: int) -> Action:
    with session_on(url) as session:
        found = session.get(Action, action_id)
        assert found is not None
        session.expunge(found)
        return found


def _status(url: str, plan_id: int) -> str:
    with session_on(url) as session:
        plan = session.get(DevelopmentPlan, plan_id)
        assert plan is not None
        return plan.status


def test_the_list_counts_actions_done_and_overdue(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    plan_id, _ = _plan(stored)
    listing = console.get(PLANS)
    assert listing.status_code == 200
    # one action due in 2020 and still open (overdue), one due in 2099
    assert "C2 Ben Client baseline Draft 2 0 2 1 2020-01-31" in text_of(listing.text)
    assert f'href="{PLANS}/{plan_id}"' in listing.text
    # plans are generated from closed waves: "earlier" is the one closed wave
    assert '<option value="earlier"' in listing.text


def test_edit_an_action_add_one_and_move_the_plan_on(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    plan_id, (first, second) = _plan(stored)
    page = console.get(f"{PLANS}/{plan_id}")
    assert page.status_code == 200
    assert "Action 1: Open overdue" in text_of(page.text)

    saved = console.post(
        f"{PLANS}/{plan_id}/actions/{first}",
        data={
            "csrf": csrf,
            "text": "Share the joint plan a week early",
            "owner": "C1",
            "due": "2026-12-01",
            "status": "in_progress",
        },
    )
    assert saved.status_code == 303
    action = _action(stored.url, first)
    assert (action.description, action.owner, action.due_date, action.status) == (
        "Share the joint plan a week early",
        "C1",
        date(2026, 12, 1),
        "in_progress",
    )
    (entry,) = audit_rows(stored.url, "update_action")
    assert entry[0] == EMAIL and entry[1]["owner"] == ["C2", "C1"]

    added = console.post(f"{PLANS}/{plan_id}/actions", data={"csrf": csrf, "text": "Coach S2"})
    assert added.status_code == 303
    with session_on(stored.url) as session:
        rows = [r for r in action_rows(session, plans=True) if r.plan_id == plan_id]
    extra = next(r for r in rows if r.description == "Coach S2")
    # owner defaults to the plan's person, the due date to the plan's latest
    assert (extra.owner, extra.due_date) == ("C2", LATER)
    assert [a for a, _ in audit_rows(stored.url, "add_action")] == [EMAIL]

    skip = console.post(f"{PLANS}/{plan_id}/status", data={"csrf": csrf, "status": "done"})
    assert skip.status_code == 409 and "cannot become done" in text_of(skip.text)
    for status in ("agreed", "done"):
        moved = console.post(f"{PLANS}/{plan_id}/status", data={"csrf": csrf, "status": status})
        assert moved.status_code == 303
        assert _status(stored.url, plan_id) == status
    assert [d["after"] for _, d in audit_rows(stored.url, "plan_status")] == ["agreed", "done"]
    assert second  # the second action was left alone
    assert _action(stored.url, second).status == "open"


def test_bad_input_comes_back_with_what_was_typed(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    plan_id, (first, _) = _plan(stored)
    empty = console.post(
        f"{PLANS}/{plan_id}/actions/{first}",
        data={"csrf": csrf, "text": " ", "owner": "Typed owner", "due": "2026-01-01"},
    )
    assert empty.status_code == 422
    assert "The action text is empty" in text_of(empty.text)
    assert 'value="Typed owner"' in empty.text
    bad_due = console.post(
        f"{PLANS}/{plan_id}/actions", data={"csrf": csrf, "text": "Keep me", "due": "31/12"}
    )
    assert bad_due.status_code == 422 and ">Keep me</textarea>" in bad_due.text
    assert _action(stored.url, first).owner == "C2"
    with session_on(stored.url) as session:
        assert session.scalar(select(func.count(Action.id))) == 2


def test_forms_without_their_csrf_token_change_nothing(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    plan_id, (first, _) = _plan(stored)
    for path, data in (
        ("/generate", {"wave": "earlier"}),
        (f"/{plan_id}/status", {"status": "agreed"}),
        (f"/{plan_id}/actions", {"text": "Forged"}),
        (f"/{plan_id}/actions/{first}", {"text": "Forged", "status": "done"}),
    ):
        for forged in ({}, {"csrf": "wrong"}):
            assert console.post(f"{PLANS}{path}", data={**data, **forged}).status_code == 403
    assert _status(stored.url, plan_id) == "draft"
    assert _action(stored.url, first).description == "Share plans early"


def test_unknown_plans_and_actions_are_not_found(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    plan_id, _ = _plan(stored)
    _, (elsewhere, _) = _plan(stored, "S2")
    assert console.get("/admin/reviews/Nope/plans").status_code == 404
    for path in ("/999", "/abc"):
        assert console.get(f"{PLANS}{path}").status_code == 404
    # an action of S2's plan cannot be changed through C2's plan
    crossed = console.post(
        f"{PLANS}/{plan_id}/actions/{elsewhere}", data={"csrf": csrf, "text": "Hijacked"}
    )
    assert crossed.status_code == 404
    assert _action(stored.url, elsewhere).description == "Share plans early"
    unknown_wave = console.post(f"{PLANS}/generate", data={"csrf": csrf, "wave": "nope"})
    assert unknown_wave.status_code == 404


@pytest.fixture
def simulated(database_url: str, tmp_path: Path) -> Iterator[tuple[str, TestClient, str]]:
    review = store_simulated(database_url)
    for client in console_client(database_url, tmp_path / "data"):
        yield review, client, log_in(client)


def test_plans_are_generated_for_a_closed_wave_once(
    simulated: tuple[str, TestClient, str], database_url: str
) -> None:
    review, console, csrf = simulated
    plans = f"{review_url(review)}/plans"
    bad = console.post(
        f"{plans}/generate", data={"csrf": csrf, "wave": "baseline", "due": "next year"}
    )
    assert bad.status_code == 422 and "is not a date" in text_of(bad.text)
    assert '<option value="baseline" selected>' in bad.text

    made = console.post(
        f"{plans}/generate", data={"csrf": csrf, "wave": "baseline", "due": "2027-03-31"}
    )
    assert made.status_code == 303
    counts = re.search(r"created=(\d+)&existing=(\d+)&without=(\d+)", made.headers["location"])
    assert counts is not None
    created = int(counts.group(1))
    with session_on(database_url) as session:
        stored_plans = session.scalar(select(func.count(DevelopmentPlan.id)))
        dues = set(session.scalars(select(Action.due_date)))
    assert created == stored_plans > 0 and dues == {date(2027, 3, 31)}
    again = console.post(f"{plans}/generate", data={"csrf": csrf, "wave": "baseline"})
    assert f"created=0&existing={created}&" in again.headers["location"]
    listing = text_of(console.get(again.headers["location"]).text)
    assert f"0 plan(s) created; {created} person(s) already had one" in listing
    assert [a for a, _ in audit_rows(database_url, "generate_plan")] == [EMAIL] * created
