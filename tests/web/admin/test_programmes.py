"""The console's programme pages: create, enrol, attendance, completion and costs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from colead.development import programmes
from web.development_loop import (
    EMAIL,
    audit_rows,
    console_client,
    log_in,
    review_url,
    session_on,
    store_small,
    text_of,
)
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

PROGRAMMES = f"{review_url(REVIEW)}/programmes"
LEAD = f"{PROGRAMMES}/Lead%20well"


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_small(database_url)


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    yield from console_client(stored.url, tmp_path / "data")


@pytest.fixture
def csrf(console: TestClient) -> str:
    return log_in(console)


def _create(console: TestClient, csrf: str, **fields: str) -> None:
    data = {"csrf": csrf, "programme": "Lead well", "provider": "Acme Learning", **fields}
    response = console.post(PROGRAMMES, data=data)
    assert response.status_code == 303, text_of(response.text)


def _detail(url: str) -> programmes.ProgrammeDetail:
    with session_on(url) as session:
        return programmes.show_programme(session, REVIEW, "Lead well")


def test_create_enrol_and_see_the_total_cost(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    response = console.post(
        PROGRAMMES,
        data={
            "csrf": csrf,
            "programme": "  Lead well ",
            "provider": "Acme Learning",
            "start": "2026-01-12",
            "end": "2026-03-20",
            "cost_per_participant": "1,500",
            "other_costs": "2000.50",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{LEAD}?done=created"
    enrolled = console.post(
        f"{LEAD}/enrol", data={"csrf": csrf, "person": ["C2", "S2"], "ids": "S1, C2"}
    )
    assert enrolled.status_code == 303
    assert enrolled.headers["location"] == f"{LEAD}?done=enrolled"

    summary = _detail(stored.url).summary
    assert (summary.enrolled, summary.cost_per_participant, summary.other_costs) == (
        3,
        1500.0,
        2000.5,
    )
    # Phillips' fully loaded cost, by hand: 3 enrolled × 1500 + 2000.50
    listing = text_of(console.get(PROGRAMMES).text)
    assert "Lead well 2026-01-12 to 2026-03-20 Acme Learning 1500 2000.5 6500.5 3" in listing
    page = text_of(console.get(f"{LEAD}?done=enrolled").text)
    assert "The people were enrolled." in page
    assert all(p in page for p in ("C2 Ben Client", "S1 Cy Supplier", "S2 Di Supplier"))
    assert "Reactions to the programme" in page and "Evaluation" in page

    created = audit_rows(stored.url, "create")
    assert [(actor, d["name"]) for actor, d in created if "cost_per_participant" in d] == [
        (EMAIL, "Lead well")
    ]
    enrolments = [(actor, d["people"]) for actor, d in audit_rows(stored.url, "enrol")]
    assert enrolments == [(EMAIL, ["C2", "S2", "S1"])]


REFUSED_PROGRAMMES = [
    ({"cost_per_participant": "lots"}, "is not a number"),
    ({"cost_per_participant": "-5"}, "cannot be negative"),
    ({"start": "2026-05-01", "end": "2026-04-01"}, "before it starts"),
    ({"start": "1 May"}, "is not a date"),
    ({"programme": "   "}, "needs a name"),
]


def test_a_refused_programme_keeps_what_was_typed(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    for fields, message in REFUSED_PROGRAMMES:
        data = {"csrf": csrf, "programme": "Lead well", "provider": "Acme Learning", **fields}
        response = console.post(PROGRAMMES, data=data)
        assert response.status_code == 422, fields
        assert message in text_of(response.text)
        assert 'value="Acme Learning"' in response.text
    with session_on(stored.url) as session:
        assert programmes.list_programmes(session, REVIEW) == []


def test_a_second_programme_of_the_same_name_is_refused(console: TestClient, csrf: str) -> None:
    _create(console, csrf)
    again = console.post(PROGRAMMES, data={"csrf": csrf, "programme": "Lead well"})
    assert again.status_code == 409
    assert "already has a programme named 'Lead well'" in text_of(again.text)


def test_people_are_picked_from_the_roster_and_unknown_ids_change_nothing(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _create(console, csrf)
    found = console.get(f"{LEAD}?q=Supplier")
    assert found.status_code == 200
    assert 'name="person" value="S1"' in found.text and 'name="person" value="S2"' in found.text
    assert 'value="C2"' not in found.text

    refused = console.post(f"{LEAD}/enrol", data={"csrf": csrf, "person": ["S1"], "ids": "ZZ9"})
    assert refused.status_code == 422
    assert "Not a person in review" in text_of(refused.text) and "ZZ9" in text_of(refused.text)
    assert ">ZZ9</textarea>" in refused.text  # what was typed comes back
    assert _detail(stored.url).enrolments == ()

    nobody = console.post(f"{LEAD}/enrol", data={"csrf": csrf, "ids": " , "})
    assert nobody.status_code == 422
    assert "No one was chosen" in text_of(nobody.text)

    console.post(f"{LEAD}/enrol", data={"csrf": csrf, "person": ["S1"]})
    again = console.get(f"{LEAD}?q=Supplier")
    assert "(already enrolled)" in text_of(again.text)


def test_attendance_and_completion_are_recorded(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _create(console, csrf)
    console.post(f"{LEAD}/enrol", data={"csrf": csrf, "ids": "C2 S2"})
    done = console.post(
        f"{LEAD}/attendance", data={"csrf": csrf, "person": "C2", "attended": "3", "of": "4"}
    )
    assert done.status_code == 303
    too_many = console.post(
        f"{LEAD}/attendance", data={"csrf": csrf, "person": "S2", "attended": "5", "of": "4"}
    )
    assert too_many.status_code == 422
    assert "cannot attend 5 of 4 sessions" in text_of(too_many.text)
    assert 'value="5"' in too_many.text  # the typed figure is shown again
    word = console.post(
        f"{LEAD}/attendance", data={"csrf": csrf, "person": "S2", "attended": "two", "of": "4"}
    )
    assert word.status_code == 422 and "not a whole number" in text_of(word.text)

    assert (
        console.post(f"{LEAD}/completion", data={"csrf": csrf, "person": "C2"}).status_code == 303
    )
    rows = {e.person_id: e for e in _detail(stored.url).enrolments}
    assert (rows["C2"].sessions_attended, rows["C2"].sessions_total, rows["C2"].completed) == (
        3,
        4,
        True,
    )
    assert (rows["S2"].sessions_attended, rows["S2"].completed) == (None, False)
    summary = _detail(stored.url).summary
    assert (summary.completed, summary.with_attendance) == (1, 1)
    page = text_of(console.get(LEAD).text)
    assert "Sessions attended 3 of 4" in page and "Undo completion for Ben Client" in page

    console.post(f"{LEAD}/completion", data={"csrf": csrf, "person": "C2", "completed": "0"})
    assert not {e.person_id: e for e in _detail(stored.url).enrolments}["C2"].completed
    assert [a for a, _ in audit_rows(stored.url, "attendance")] == [EMAIL]
    assert [d["people"] for _, d in audit_rows(stored.url, "complete")] == [["C2"]]
    assert [d["people"] for _, d in audit_rows(stored.url, "uncomplete")] == [["C2"]]


def test_costs_are_edited_and_audited(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _create(console, csrf, cost_per_participant="100")
    saved = console.post(
        f"{LEAD}/costs", data={"csrf": csrf, "cost_per_participant": "250", "other_costs": "75"}
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{LEAD}?done=costs"
    summary = _detail(stored.url).summary
    assert (summary.cost_per_participant, summary.other_costs) == (250.0, 75.0)
    assert audit_rows(stored.url, "costs")[-1][1]["before"] == [100.0, None]
    assert audit_rows(stored.url, "costs")[-1][1]["after"] == [250.0, 75.0]

    refused = console.post(
        f"{LEAD}/costs", data={"csrf": csrf, "cost_per_participant": "-1", "other_costs": "9"}
    )
    assert refused.status_code == 422
    assert "cannot be negative" in text_of(refused.text)
    assert 'value="-1"' in refused.text and 'value="9"' in refused.text
    infinite = console.post(f"{LEAD}/costs", data={"csrf": csrf, "cost_per_participant": "inf"})
    assert infinite.status_code == 422
    assert _detail(stored.url).summary.cost_per_participant == 250.0


FORMS = [
    ("", {"programme": "Forged"}),
    ("/Lead%20well/enrol", {"ids": "C2"}),
    ("/Lead%20well/attendance", {"person": "C2", "attended": "1", "of": "2"}),
    ("/Lead%20well/completion", {"person": "C2"}),
    ("/Lead%20well/costs", {"cost_per_participant": "9"}),
]


def test_forms_without_their_csrf_token_change_nothing(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _create(console, csrf, cost_per_participant="100")
    for path, data in FORMS:
        for forged in ({}, {"csrf": "wrong"}):
            refused = console.post(f"{PROGRAMMES}{path}", data={**data, **forged})
            assert refused.status_code == 403, path
    detail = _detail(stored.url)
    assert detail.enrolments == () and detail.summary.cost_per_participant == 100.0
    with session_on(stored.url) as session:
        assert [p.name for p in programmes.list_programmes(session, REVIEW)] == ["Lead well"]


def test_unknown_reviews_and_programmes_get_the_not_found_page(
    console: TestClient, csrf: str
) -> None:
    assert console.get("/admin/reviews/Nope/programmes").status_code == 404
    missing = console.get(f"{PROGRAMMES}/Nope")
    assert missing.status_code == 404
    assert "No programme named 'Nope'" in text_of(missing.text)
    enrol = console.post(f"{PROGRAMMES}/Nope/enrol", data={"csrf": csrf, "ids": "C2"})
    assert enrol.status_code == 404


def test_the_pages_need_a_login(console: TestClient) -> None:
    for path in (PROGRAMMES, LEAD):
        response = console.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/admin/login"
