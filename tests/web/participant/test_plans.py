"""A person's and their line manager's plan pages, reached through participant links.

In the stored review S1 is S2's line manager; C2 is neither S2 nor their manager.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from colead.fieldwork.participant_links import issue_participant_links
from colead.store.schema import Action, DevelopmentPlan
from web.development_loop import (
    audit_rows,
    console_client,
    make_plan,
    session_on,
    store_small,
    text_of,
)
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DUE = date(2099, 6, 30)


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_small(database_url)


@pytest.fixture
def client(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    yield from console_client(stored.url, tmp_path / "data")


@pytest.fixture
def links(stored: SurveyDatabase) -> dict[str, str]:
    """Person id -> their participant page's address in the baseline wave."""
    with session_on(stored.url) as session:
        made = issue_participant_links(session, REVIEW, "baseline", "http://t", actor="test")
    return {
        row.person_id: row.participant_url.removeprefix("http://t")
        for row in made.table.itertuples()
    }


@pytest.fixture
def plan(stored: SurveyDatabase) -> tuple[int, list[int]]:
    actions = [("Ask a partner colleague for feedback", DUE), ("Run the weekly huddle", DUE)]
    return make_plan(stored.url, REVIEW, "S2", actions, stored.wave_ids["baseline"])


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def _action(url: str, action_id: int) -> Action:
    with session_on(url) as session:
        found = session.get(Action, action_id)
        assert found is not None
        session.expunge(found)
        return found


def _notes(url: str, plan_id: int) -> str | None:
    with session_on(url) as session:
        found = session.get(DevelopmentPlan, plan_id)
        assert found is not None
        return found.notes


def test_the_person_marks_their_own_action_done(
    client: TestClient,
    stored: SurveyDatabase,
    links: dict[str, str],
    plan: tuple[int, list[int]],
) -> None:
    _, (first, second) = plan
    home = client.get(links["S2"])
    assert f'href="{links["S2"]}/plan"' in home.text
    page = client.get(f"{links['S2']}/plan")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Your plan, from the baseline wave" in text and "0 of 2 actions done" in text
    assert "Plans of the people who report to you" not in text
    csrf = _csrf(client, f"{links['S2']}/plan")
    done = client.post(f"{links['S2']}/plan/actions/{first}", data={"csrf": csrf, "status": "done"})
    assert done.status_code == 303
    assert done.headers["location"] == f"{links['S2']}/plan?done=status"
    assert _action(stored.url, first).status == "done"
    assert _action(stored.url, second).status == "open"
    assert "1 of 2 actions done" in text_of(client.get(done.headers["location"]).text)
    (entry,) = audit_rows(stored.url, "update_action")
    assert entry[0] == "person S2" and entry[1]["status"] == ["open", "done"]


def test_the_manager_sees_and_updates_their_reports_plans(
    client: TestClient,
    stored: SurveyDatabase,
    links: dict[str, str],
    plan: tuple[int, list[int]],
) -> None:
    plan_id, (first, _) = plan
    page = text_of(client.get(f"{links['S1']}/plan").text)
    assert "You have no development plan yet" in page
    assert "Plans of the people who report to you" in page
    assert "Di Supplier’s plan" in page and "Ask a partner colleague for feedback" in page
    csrf = _csrf(client, f"{links['S1']}/plan")
    moved = client.post(
        f"{links['S1']}/plan/actions/{first}", data={"csrf": csrf, "status": "in_progress"}
    )
    assert moved.status_code == 303
    noted = client.post(
        f"{links['S1']}/plan/{plan_id}/note", data={"csrf": csrf, "text": "  Good start.  "}
    )
    assert noted.status_code == 303
    assert _action(stored.url, first).status == "in_progress"
    assert _notes(stored.url, plan_id) == "Good start."
    assert [a for a, _ in audit_rows(stored.url, "update_action")] == ["manager S1"]
    assert audit_rows(stored.url, "plan_note")[0][0] == "manager S1"
    # the person sees their manager's note
    assert "Good start." in client.get(f"{links['S2']}/plan").text


def test_someone_else_cannot_see_or_change_the_plan(
    client: TestClient,
    stored: SurveyDatabase,
    links: dict[str, str],
    plan: tuple[int, list[int]],
) -> None:
    plan_id, (first, _) = plan
    make_plan(stored.url, REVIEW, "C2", [("Plan the quarter", DUE)], None)
    page = client.get(f"{links['C2']}/plan")
    assert "Plan the quarter" in page.text and "Ask a partner colleague" not in page.text
    csrf = _csrf(client, f"{links['C2']}/plan")
    refused = client.post(
        f"{links['C2']}/plan/actions/{first}", data={"csrf": csrf, "status": "done"}
    )
    assert refused.status_code == 404
    assert "not one you can see" in text_of(refused.text)
    note = client.post(f"{links['C2']}/plan/{plan_id}/note", data={"csrf": csrf, "text": "Hi"})
    assert note.status_code == 404
    assert _action(stored.url, first).status == "open" and _notes(stored.url, plan_id) is None
    for missing in ("999999", "abc"):
        gone = client.post(
            f"{links['C2']}/plan/actions/{missing}", data={"csrf": csrf, "status": "done"}
        )
        assert gone.status_code == 404


def test_bad_input_is_explained_and_keeps_the_note(
    client: TestClient,
    stored: SurveyDatabase,
    links: dict[str, str],
    plan: tuple[int, list[int]],
) -> None:
    plan_id, (first, _) = plan
    base = f"{links['S2']}/plan"
    csrf = _csrf(client, base)
    dropped = client.post(f"{base}/actions/{first}", data={"csrf": csrf, "status": "dropped"})
    assert dropped.status_code == 422
    assert "Choose open, in progress or done" in text_of(dropped.text)
    long_note = "Steady progress. " * 70
    too_long = client.post(f"{base}/{plan_id}/note", data={"csrf": csrf, "text": long_note})
    assert too_long.status_code == 422
    assert "The progress note is too long" in text_of(too_long.text)
    assert long_note.strip() in too_long.text  # what was typed is still there
    client.post(f"{base}/actions/{first}", data={"csrf": csrf, "status": "done"})
    back = client.post(f"{base}/actions/{first}", data={"csrf": csrf, "status": "open"})
    assert back.status_code == 409 and "cannot become open" in text_of(back.text)
    assert _action(stored.url, first).status == "done" and _notes(stored.url, plan_id) is None


def test_forms_need_the_link_s_own_token_and_links_must_exist(
    client: TestClient,
    stored: SurveyDatabase,
    links: dict[str, str],
    plan: tuple[int, list[int]],
) -> None:
    plan_id, (first, _) = plan
    make_plan(stored.url, REVIEW, "C2", [("Plan the quarter", DUE)], None)
    other = _csrf(client, f"{links['C2']}/plan")
    for forged in ({}, {"csrf": "wrong"}, {"csrf": other}):
        refused = client.post(
            f"{links['S2']}/plan/actions/{first}", data={"status": "done", **forged}
        )
        assert refused.status_code == 403
        note = client.post(f"{links['S2']}/plan/{plan_id}/note", data={"text": "x", **forged})
        assert note.status_code == 403
    assert _action(stored.url, first).status == "open" and _notes(stored.url, plan_id) is None
    unknown = "/p/" + "A" * 43
    assert client.get(f"{unknown}/plan").status_code == 404
    assert (
        client.post(f"{unknown}/plan/actions/{first}", data={"status": "done"}).status_code == 404
    )
