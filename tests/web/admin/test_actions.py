"""The console's improvement-actions page: the review's own action log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from colead.development import review_actions
from web.development_loop import (
    EMAIL,
    audit_rows,
    console_client,
    log_in,
    make_plan,
    review_url,
    session_on,
    store_small,
    text_of,
)
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

ACTIONS = f"{review_url(REVIEW)}/actions"


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_small(database_url)


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    yield from console_client(stored.url, tmp_path / "data")


@pytest.fixture
def csrf(console: TestClient) -> str:
    return log_in(console)


def _log(url: str) -> list[review_actions.LoggedAction]:
    with session_on(url) as session:
        return review_actions.list_review_actions(session, REVIEW, date(2026, 6, 1))


def test_seed_the_papers_actions_once(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    empty = text_of(console.get(ACTIONS).text)
    assert "The log is empty" in empty and "4 of them are not in the log yet" in empty
    seeded = console.post(f"{ACTIONS}/seed", data={"csrf": csrf})
    assert seeded.status_code == 303 and seeded.headers["location"] == f"{ACTIONS}?done=seeded"
    assert {a.topic for a in _log(stored.url)} == set(review_actions.SEEDED)
    page = text_of(console.get(f"{ACTIONS}?done=seeded").text)
    assert "Develop beyond senior roles: Open" in page
    assert "Add the paper's improvement actions" not in page  # nothing left to seed
    console.post(f"{ACTIONS}/seed", data={"csrf": csrf})
    assert len(_log(stored.url)) == 4
    assert [actor for actor, _ in audit_rows(stored.url, "seed_review_actions")] == [EMAIL]


def test_add_and_update_an_action(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    added = console.post(
        ACTIONS,
        data={"csrf": csrf, "text": "Share KPI dashboards", "owner": "Ana", "due": "2026-05-01"},
    )
    assert added.status_code == 303
    (action,) = _log(stored.url)
    assert (action.text, action.owner, action.due_date, action.overdue) == (
        "Share KPI dashboards",
        "Ana",
        date(2026, 5, 1),
        True,  # open and due before 1 June 2026
    )
    saved = console.post(
        f"{ACTIONS}/{action.id}",
        data={
            "csrf": csrf,
            "text": "Share KPI dashboards monthly",
            "owner": "Ben",
            "due": "2026-07-01",
            "status": "in_progress",
        },
    )
    assert saved.status_code == 303
    (changed,) = _log(stored.url)
    assert (changed.text, changed.owner, changed.due_date, changed.status) == (
        "Share KPI dashboards monthly",
        "Ben",
        date(2026, 7, 1),
        "in_progress",
    )
    (entry,) = audit_rows(stored.url, "update_action")
    assert entry[0] == EMAIL and entry[1]["status"] == ["open", "in_progress"]
    assert entry[1]["owner"] == ["Ana", "Ben"]


def test_bad_input_is_shown_with_what_was_typed(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    empty = console.post(ACTIONS, data={"csrf": csrf, "text": "  ", "owner": "Ana"})
    assert empty.status_code == 422
    assert "The action text is empty" in text_of(empty.text)
    assert 'value="Ana"' in empty.text
    bad_date = console.post(ACTIONS, data={"csrf": csrf, "text": "Keep me", "due": "soon"})
    assert bad_date.status_code == 422 and ">Keep me</textarea>" in bad_date.text
    assert _log(stored.url) == []

    console.post(ACTIONS, data={"csrf": csrf, "text": "Agree the plan"})
    (action,) = _log(stored.url)
    console.post(f"{ACTIONS}/{action.id}", data={"csrf": csrf, "text": "x", "status": "dropped"})
    # a dropped action must be reopened before it can be done
    refused = console.post(
        f"{ACTIONS}/{action.id}",
        data={"csrf": csrf, "text": "Agree the plan again", "owner": "Cy", "status": "done"},
    )
    assert refused.status_code == 409
    assert "cannot become done" in text_of(refused.text)
    assert ">Agree the plan again</textarea>" in refused.text and 'value="Cy"' in refused.text
    assert _log(stored.url)[0].status == "dropped" and _log(stored.url)[0].text == "x"


def test_forms_without_their_csrf_token_change_nothing(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    console.post(ACTIONS, data={"csrf": csrf, "text": "Agree the plan"})
    (action,) = _log(stored.url)
    for path, data in (
        ("/seed", {}),
        ("", {"text": "Forged"}),
        (f"/{action.id}", {"text": "Forged", "status": "done"}),
    ):
        for forged in ({}, {"csrf": "wrong"}):
            assert console.post(f"{ACTIONS}{path}", data={**data, **forged}).status_code == 403
    assert [(a.text, a.status) for a in _log(stored.url)] == [("Agree the plan", "open")]


def test_unknown_reviews_and_actions_are_not_found(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    assert console.get("/admin/reviews/Nope/actions").status_code == 404
    missing = console.post(f"{ACTIONS}/999", data={"csrf": csrf, "text": "x"})
    assert missing.status_code == 404
    assert "has no logged action 999" in text_of(missing.text)
    assert console.post(f"{ACTIONS}/abc", data={"csrf": csrf, "text": "x"}).status_code == 404
    # an action of a personal plan is not one of the log's
    _, (plan_action,) = make_plan(stored.url, REVIEW, "C2", [("Own work", date(2026, 9, 1))], None)
    other = console.post(f"{ACTIONS}/{plan_action}", data={"csrf": csrf, "text": "Hijacked"})
    assert other.status_code == 404
