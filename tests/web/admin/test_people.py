"""The console's roster pages: reviews and waves, people, organisations, progress, forms."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import people_frame
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.domain import RELATION_LABELS, Relation
from colead.fieldwork.lifecycle import review_waves
from colead.ingest.people import import_people
from colead.store import make_engine, transaction
from colead.store.reviews import find_review, get_review
from colead.store.schema import (
    Assignment,
    AuditEntry,
    Organisation,
    Person,
    Response,
    Review,
    Site,
    Wave,
)
from colead.web import create_app
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
REVIEW_URL = f"/admin/reviews/{quote(REVIEW, safe='')}"
BASELINE = f"{REVIEW_URL}/waves/baseline"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    db = store_survey_review(database_url)
    with _session(database_url) as session:
        create_admin(session, EMAIL, PASSWORD)
    return db


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path / "data"))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


@pytest.fixture
def csrf(console: TestClient) -> str:
    """Log in; the session's CSRF token."""
    token = _csrf(console, "/admin/login")
    response = console.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 303
    return _csrf(console, "/admin/")


@contextmanager
def _session(url: str) -> Iterator[Session]:
    """A transaction on ``url`` with its own engine, disposed afterwards."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def _csrf(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = _CSRF.search(response.text)
    assert found is not None
    return found.group(1)


def _audit(url: str, entity: str) -> list[tuple[str, str, dict[str, Any]]]:
    with _session(url) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.entity == entity)
            .order_by(AuditEntry.id)
        )
        return [(actor, action, detail or {}) for actor, action, detail in rows]


def _people(url: str) -> set[str]:
    with _session(url) as session:
        review = get_review(session, REVIEW)
        return set(session.scalars(select(Person.external_id).where(Person.review_id == review.id)))


def _forms(url: str, wave: str = "baseline") -> list[tuple[str, str, str]]:
    """(rater, ratee, relation) of every form of the wave, sorted."""
    with _session(url) as session:
        review = get_review(session, REVIEW)
        wave_id = session.scalar(
            select(Wave.id).where(Wave.review_id == review.id, Wave.name == wave)
        )
        ids = dict(session.execute(select(Person.id, Person.external_id)).all())
        rows = session.execute(
            select(Assignment.rater_id, Assignment.ratee_id, Assignment.relation).where(
                Assignment.wave_id == wave_id
            )
        )
        return sorted((ids[rater], ids[ratee], relation) for rater, ratee, relation in rows)


def _form_id(url: str, rater: str, ratee: str) -> int:
    with _session(url) as session:
        ids = {p.external_id: p.id for p in session.scalars(select(Person))}
        form_id = session.scalar(
            select(Assignment.id).where(
                Assignment.rater_id == ids[rater], Assignment.ratee_id == ids[ratee]
            )
        )
        assert isinstance(form_id, int)
        return form_id


def _error_text(response: Any) -> str:
    """The error page's title and explanation, without markup."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


# --- access ------------------------------------------------------------------------------

PAGES = [
    f"{REVIEW_URL}/people",
    f"{REVIEW_URL}/organisations",
    f"{BASELINE}/progress",
    f"{BASELINE}/forms",
]
POSTS = [
    ("/admin/reviews", {"name": "New review"}),
    (f"{REVIEW_URL}/waves", {"wave": "follow-up"}),
    (f"{REVIEW_URL}/people", {"person_id": "N1", "person_name": "New Person"}),
    (f"{BASELINE}/forms/add", {"rater_id": "S2", "ratee_id": "C1", "relation": "partner"}),
    (f"{BASELINE}/forms/1/remove", {}),
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_login(console: TestClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"


@pytest.mark.parametrize(("path", "data"), POSTS)
def test_posts_need_a_login_and_their_csrf_token(
    console: TestClient, stored: SurveyDatabase, path: str, data: dict[str, str]
) -> None:
    before = (_people(stored.url), _forms(stored.url), _audit(stored.url, "review"))
    anonymous = console.post(path, data={**data, "csrf": _csrf(console, "/admin/login")})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/admin/login"
    token = _csrf(console, "/admin/login")
    console.post("/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token})
    for forged in ({}, {"csrf": "wrong-token"}):
        refused = console.post(path, data={**data, **forged})
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text
    assert (_people(stored.url), _forms(stored.url), _audit(stored.url, "review")) == before


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reviews/No%20such%20review/people",
        "/admin/reviews/No%20such%20review/organisations",
        "/admin/reviews/No%20such%20review/waves/baseline/progress",
        "/admin/reviews/No%20such%20review/waves/baseline/forms",
        f"{REVIEW_URL}/waves/no-such-wave/progress",
        f"{REVIEW_URL}/waves/no-such-wave/forms",
    ],
)
def test_unknown_reviews_and_waves_are_not_found(console: TestClient, csrf: str, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 404
    assert "No review named" in response.text or "has no wave" in response.text


# --- reviews and waves -------------------------------------------------------------------


def test_create_a_review(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    page = console.get("/admin/")
    assert 'action="/admin/reviews"' in page.text and 'for="review_name"' in page.text
    name = "Buyer Plc – Maker & Sons"
    response = console.post(
        "/admin/reviews", data={"csrf": csrf, "name": f"  {name} ", "description": "Framework"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/reviews/{quote(name, safe='')}"
    assert console.get(response.headers["location"]).status_code == 200
    with _session(stored.url) as session:
        review = find_review(session, name)
        assert review is not None and review.description == "Framework"
        review_id = review.id
    assert _audit(stored.url, "review")[-1][:2] == (EMAIL, "create")

    again = console.post("/admin/reviews", data={"csrf": csrf, "name": name})
    assert again.status_code == 400 and "already exists" in again.text
    empty = console.post("/admin/reviews", data={"csrf": csrf, "name": "   "})
    assert empty.status_code == 422 and "cannot be a review name" in _error_text(empty)
    with _session(stored.url) as session:
        assert len(session.scalars(select(Review.id)).all()) == 2
        assert get_review(session, name).id == review_id


def test_create_a_wave(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    page = console.get(REVIEW_URL)
    assert f'action="{REVIEW_URL}/waves"' in page.text and 'for="wave_period"' in page.text
    response = console.post(
        f"{REVIEW_URL}/waves", data={"csrf": csrf, "wave": "follow-up", "period": "2025-q3"}
    )
    assert response.status_code == 303 and response.headers["location"] == REVIEW_URL
    with _session(stored.url) as session:
        waves = {wave.name: wave for wave in review_waves(session, REVIEW)}
    assert waves["follow-up"].period == "2025-Q3"
    assert waves["follow-up"].status.value == "draft"
    assert waves["follow-up"].ordinal == 4
    created = [entry for entry in _audit(stored.url, "wave") if entry[1] == "create"]
    assert created[-1][0] == EMAIL and created[-1][2]["name"] == "follow-up"

    bad_period = console.post(
        f"{REVIEW_URL}/waves", data={"csrf": csrf, "wave": "later-still", "period": "soon"}
    )
    assert bad_period.status_code == 422 and "is not a period" in _error_text(bad_period)
    twice = console.post(f"{REVIEW_URL}/waves", data={"csrf": csrf, "wave": "follow-up"})
    assert twice.status_code == 400 and "already has a wave" in _error_text(twice)
    unknown = console.post("/admin/reviews/Nobody/waves", data={"csrf": csrf, "wave": "w1"})
    assert unknown.status_code == 404
    with _session(stored.url) as session:
        assert find_review(session, "Nobody") is None
        assert len(review_waves(session, REVIEW)) == 4


# --- people ------------------------------------------------------------------------------


def _add_people(url: str, count: int) -> None:
    extra = [
        {"person_id": f"P{n:03d}", "name": f"Person {n:03d}", "organisation": "Supplier Ltd",
         "site": "South", "level": 4, "email": f"p{n}@supplier.test"}
        for n in range(count)
    ]  # fmt: skip
    with _session(url) as session:
        review = get_review(session, REVIEW)
        import_people(session, review, people_frame(extra), "more people")


def test_people_are_listed_searched_and_paged(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _add_people(stored.url, 60)  # 64 people: two pages of 50
    first = console.get(f"{REVIEW_URL}/people")
    assert first.status_code == 200
    assert "Showing 1–50 of 64" in first.text
    assert '<th scope="col">Manager</th>' in first.text
    assert "Ana Client" in first.text and "ben@client.test" in first.text
    assert 'href="?page=2" rel="next"' in first.text and 'rel="prev"' not in first.text
    second = console.get(f"{REVIEW_URL}/people?page=2")
    assert "Showing 51–64 of 64" in second.text and 'href="?page=1" rel="prev"' in second.text
    assert "Person 059" in second.text and "Ana Client" not in second.text

    by_site = console.get(f"{REVIEW_URL}/people?q=north")
    assert "Showing 1–4 of 4" in by_site.text
    by_email = console.get(f"{REVIEW_URL}/people?q=CY%40SUPPLIER")
    assert "Showing 1–1 of 1" in by_email.text and "Cy Supplier" in by_email.text
    # the search keeps its text on the next page's link
    paged = console.get(f"{REVIEW_URL}/people?q=person")
    assert "Showing 1–50 of 60" in paged.text and 'href="?q=person&amp;page=2"' in paged.text
    # wildcards in the search match themselves only
    for wildcard in ("%25", "_", "P_0"):
        found = console.get(f"{REVIEW_URL}/people?q={wildcard}")
        assert "Nothing to show" in found.text and "Nobody matches" in found.text
    assert console.get(f"{REVIEW_URL}/people?page=0").status_code == 422


def test_add_a_person(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    page = console.get(f"{REVIEW_URL}/people")
    for field in ("person_id", "person_name", "email", "organisation", "site", "level"):
        assert f'<label for="{field}">' in page.text
    response = console.post(
        f"{REVIEW_URL}/people",
        data={
            "csrf": csrf, "person_id": "C3", "person_name": "Eve Client",
            "email": "eve@client.test", "organisation": "Client Co", "site": "East",
            "level": "4", "role_title": "Planner", "manager_id": "C2",
        },
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"{REVIEW_URL}/people?q=C3"
    shown = console.get(response.headers["location"])
    assert "Eve Client" in shown.text and "Showing 1–1 of 1" in shown.text
    with _session(stored.url) as session:
        review = get_review(session, REVIEW)
        person = session.scalars(
            select(Person).where(Person.review_id == review.id, Person.external_id == "C3")
        ).one()
        manager = session.get_one(Person, person.manager_id)
        site = session.get_one(Site, person.site_id)
        assert (person.name, person.email, person.level, person.role_title) == (
            "Eve Client", "eve@client.test", 4, "Planner"
        )  # fmt: skip
        assert manager.external_id == "C2" and site.name == "East"
        assert person.id in [e for e in session.scalars(select(AuditEntry.entity_id))]
    created = _audit(stored.url, "person")
    assert created == [(EMAIL, "create", {"person_id": "C3"})]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"level": "7"}, "Level (7) is not a level from 1 to 5"),
        ({"level": ""}, "Level is not a level from 1 to 5"),
        ({"person_name": " "}, "Name is empty"),
        ({"organisation": ""}, "Organisation is empty"),
        ({"email": "not-an-address"}, "E-mail (not-an-address) is not an e-mail address"),
        ({"manager_id": "ZZ"}, "Manager id (ZZ) is not the id of another person"),
        ({"person_id": "C1"}, "already has a person with id 'C1'"),
    ],
)
def test_an_invalid_person_is_refused_whole(
    console: TestClient, stored: SurveyDatabase, csrf: str, changes: dict[str, str], expected: str
) -> None:
    data = {
        "csrf": csrf, "person_id": "N1", "person_name": "New Person", "email": "",
        "organisation": "New Org", "site": "New Site", "level": "3", "manager_id": "",
    } | changes  # fmt: skip
    response = console.post(f"{REVIEW_URL}/people", data=data)
    assert response.status_code == (409 if "already" in expected else 422)
    shown = _error_text(response)
    assert "The person was not added" in shown and expected in shown
    # the form comes back with what was typed, ready to correct
    assert (
        f'id="person_id" name="person_id" required maxlength="100" value="{data["person_id"]}"'
        in response.text
    )
    assert f'name="site" required maxlength="200" value="{data["site"]}"' in response.text
    assert _people(stored.url) == {"C1", "C2", "S1", "S2"}
    with _session(stored.url) as session:
        assert "New Org" not in session.scalars(select(Organisation.name)).all()
        assert "New Site" not in session.scalars(select(Site.name)).all()
    assert _audit(stored.url, "person") == []
    assert [e for e in _audit(stored.url, "people") if e[0] == EMAIL] == []


def test_organisations_and_sites_count_their_people(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _add_people(stored.url, 3)
    page = console.get(f"{REVIEW_URL}/organisations")
    assert page.status_code == 200
    text = _error_text(page)
    assert "Client Co client 2" in text and "Supplier Ltd supplier 5" in text
    assert "North – 4" in text and "South – 3" in text


# --- progress ----------------------------------------------------------------------------


def _answer(url: str, forms: dict[tuple[str, str], bool], wave: str = "baseline") -> None:
    """Store answers to the (rater, ratee) forms: submitted when True, a draft when False."""
    with _session(url) as session:
        review = get_review(session, REVIEW)
        wave_row = session.scalars(
            select(Wave).where(Wave.review_id == review.id, Wave.name == wave)
        ).one()
        ids = {p.external_id: p.id for p in session.scalars(select(Person))}
        for (rater, ratee), submitted in forms.items():
            assignment = session.scalars(
                select(Assignment.id).where(
                    Assignment.wave_id == wave_row.id,
                    Assignment.rater_id == ids[rater],
                    Assignment.ratee_id == ids[ratee],
                )
            ).one()
            session.add(
                Response(
                    assignment_id=assignment,
                    framework_version_id=wave_row.framework_version_id,
                    item_values=bytes([3, 4]),
                    submitted_at=datetime(2025, 3, 1, tzinfo=UTC) if submitted else None,
                )
            )


def _counted_in_python(url: str) -> dict[str, Counter[tuple[str, str]]]:
    """(group, status) counts per breakdown, from the stored rows one by one."""
    with _session(url) as session:
        review = get_review(session, REVIEW)
        wave_id = session.scalar(
            select(Wave.id).where(Wave.review_id == review.id, Wave.name == "baseline")
        )
        people = {p.id: p for p in session.scalars(select(Person))}
        organisations = {o.id: o.name for o in session.scalars(select(Organisation))}
        sites = {s.id: s.name for s in session.scalars(select(Site))}
        answers = {r.assignment_id: r for r in session.scalars(select(Response))}
        counts: dict[str, Counter[tuple[str, str]]] = {
            "organisation": Counter(), "site": Counter(), "relation": Counter(), "all": Counter()
        }  # fmt: skip
        for form in session.scalars(select(Assignment).where(Assignment.wave_id == wave_id)):
            answer = answers.get(form.id)
            status = (
                "not started" if answer is None
                else "submitted" if answer.submitted_at is not None else "in progress"
            )  # fmt: skip
            ratee = people[form.ratee_id]
            counts["organisation"][(organisations[ratee.organisation_id], status)] += 1
            counts["site"][(sites[ratee.site_id], status)] += 1
            counts["relation"][(RELATION_LABELS[Relation(form.relation)], status)] += 1
            counts["all"][("All forms", status)] += 1
        return counts


def _table_rows(html: str, heading_id: str) -> dict[str, list[str]]:
    """label -> cells of the table under the heading ``heading_id``."""
    section = html.split(f'<h2 id="{heading_id}">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", section, re.S):
        label, rest = row.split("</th>", 1)
        rows[label] = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", rest, re.S)
        ][:5]
    return rows


def test_progress_equals_a_count_of_the_stored_rows(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _add_people(stored.url, 2)  # people at a second site, whom S1 and C2 rate
    for rater, ratee in (("C1", "P000"), ("C2", "P001")):
        added = console.post(
            f"{BASELINE}/forms/add",
            data={"csrf": csrf, "rater_id": rater, "ratee_id": ratee, "relation": "partner"},
        )
        assert added.status_code == 303
    _answer(stored.url, {("C1", "C2"): True, ("S1", "C2"): False, ("C2", "S2"): True,
                         ("C1", "P000"): False})  # fmt: skip
    page = console.get(f"{BASELINE}/progress")
    assert page.status_code == 200
    counted = _counted_in_python(stored.url)
    total = counted["all"]
    assert sum(total.values()) == 7
    text = _error_text(page)
    assert (
        f"Forms 7 Submitted {total[('All forms', 'submitted')]} "
        f"In progress (answers saved, not submitted) {total[('All forms', 'in progress')]} "
        f"Not started {total[('All forms', 'not started')]} Response rate 29%"
    ) in text
    for heading, by in (
        ("by-organisation", "organisation"),
        ("by-site", "site"),
        ("by-relation", "relation"),
    ):
        shown = _table_rows(page.text, heading)
        groups = {group for group, _ in counted[by]}
        assert set(shown) == groups
        for group in groups:
            done, draft, rest = (
                counted[by][(group, s)] for s in ("submitted", "in progress", "not started")
            )
            forms = done + draft + rest
            assert shown[group] == [
                str(forms), str(done), str(draft), str(rest), f"{100 * done / forms:.0f}%"
            ]  # fmt: skip
        rates = [int(cells[4].rstrip("%")) for cells in shown.values()]
        assert rates == sorted(rates)  # the lowest response rate first
    assert shown["Line manager"] == ["1", "1", "0", "0", "100%"]
    assert "<svg" in page.text and "<script" not in page.text


# --- forms -------------------------------------------------------------------------------


def test_forms_are_listed_and_filtered(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    _answer(stored.url, {("C1", "C2"): True, ("S1", "C2"): False})
    page = console.get(f"{BASELINE}/forms")
    assert page.status_code == 200 and "Showing 1–5 of 5" in page.text
    assert "Submitted" in page.text and "In progress" in page.text and "Not started" in page.text
    # no form's time of change: watched beside the results it would tie answers to raters
    assert "Updated" not in page.text and "(UTC)" not in page.text
    assert _error_text(console.get(f"{BASELINE}/forms?status=submitted")).count("Ana Client") == 1
    submitted = console.get(f"{BASELINE}/forms?status=submitted")
    assert "Showing 1–1 of 1" in submitted.text
    drafts = console.get(f"{BASELINE}/forms?status=in_progress")
    assert "Showing 1–1 of 1" in drafts.text and "Cy Supplier" in drafts.text
    waiting = console.get(f"{BASELINE}/forms?status=not_started")
    assert "Showing 1–3 of 3" in waiting.text
    partners = console.get(f"{BASELINE}/forms?relation=partner")
    assert "Showing 1–2 of 2" in partners.text
    by_name = console.get(f"{BASELINE}/forms?q=di%20supp")
    assert "Showing 1–1 of 1" in by_name.text and "Di Supplier" in by_name.text
    both = console.get(f"{BASELINE}/forms?relation=partner&q=C1")
    assert "Showing 1–1 of 1" in both.text
    assert console.get(f"{BASELINE}/forms?status=finished").status_code == 422
    assert console.get(f"{BASELINE}/forms?relation=friend").status_code == 422
    # only forms nobody started can be removed
    assert _error_text(page).count("Has answers") == 2


def test_add_and_remove_a_form(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    before = _forms(stored.url)
    added = console.post(
        f"{BASELINE}/forms/add",
        data={"csrf": csrf, "rater_id": "S2", "ratee_id": "C1", "relation": "partner"},
    )
    assert added.status_code == 303 and added.headers["location"] == f"{BASELINE}/forms?q=S2"
    assert _forms(stored.url) == sorted([*before, ("S2", "C1", "partner")])
    with _session(stored.url) as session:
        hashes = session.scalars(select(Assignment.token_hash)).all()
    assert len(set(hashes)) == len(hashes) and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    entry = _audit(stored.url, "assignment")[-1]
    assert entry[:2] == (EMAIL, "create") and entry[2]["rater_id"] == "S2"

    form_id = _form_id(stored.url, "S2", "C1")
    listing = console.get(added.headers["location"])
    assert f"forms/{form_id}/remove" in listing.text
    removed = console.post(f"{BASELINE}/forms/{form_id}/remove", data={"csrf": csrf})
    assert removed.status_code == 303 and removed.headers["location"] == f"{BASELINE}/forms"
    assert _forms(stored.url) == before
    assert _audit(stored.url, "assignment")[-1][:2] == (EMAIL, "delete")


@pytest.mark.parametrize(
    ("data", "status", "expected"),
    [
        ({"rater_id": "C1", "ratee_id": "C2", "relation": "peer"}, 409, "already has a form"),
        ({"rater_id": "S2", "ratee_id": "C1", "relation": "friend"}, 422, "not a known relation"),
        ({"rater_id": "XX", "ratee_id": "C1", "relation": "peer"}, 422, "Rater id (XX) is not"),
        ({"rater_id": "C2", "ratee_id": "C1", "relation": "partner"}, 422, "other organisation"),
        ({"rater_id": "C1", "ratee_id": "C1", "relation": "peer"}, 422, "self-ratings need"),
    ],
)
def test_an_invalid_form_is_refused(
    console: TestClient,
    stored: SurveyDatabase,
    csrf: str,
    data: dict[str, str],
    status: int,
    expected: str,
) -> None:
    before = _forms(stored.url)
    response = console.post(f"{BASELINE}/forms/add", data={"csrf": csrf, **data})
    assert response.status_code == status
    shown = _error_text(response)
    assert "The form was not added" in shown and expected in shown
    assert f'name="rater_id" required maxlength="100" value="{data["rater_id"]}"' in response.text
    assert _forms(stored.url) == before
    assert _audit(stored.url, "assignment") == []
    assert [e for e in _audit(stored.url, "nominations") if e[0] == EMAIL] == []


def test_a_form_with_answers_stays(console: TestClient, stored: SurveyDatabase, csrf: str) -> None:
    _answer(stored.url, {("S1", "C2"): False})
    with _session(stored.url) as session:
        answered = session.scalar(select(Response.assignment_id))
    response = console.post(f"{BASELINE}/forms/{answered}/remove", data={"csrf": csrf})
    assert response.status_code == 400 and "has answers saved" in _error_text(response)
    assert ("S1", "C2", "partner") in _forms(stored.url)
    missing = console.post(f"{BASELINE}/forms/999999/remove", data={"csrf": csrf})
    assert missing.status_code == 404
    assert _audit(stored.url, "assignment") == []


def test_a_closed_wave_keeps_its_forms(
    console: TestClient, stored: SurveyDatabase, csrf: str
) -> None:
    closed = f"{REVIEW_URL}/waves/earlier"
    page = console.get(f"{closed}/forms")
    assert page.status_code == 200 and "forms/add" not in page.text and "/remove" not in page.text
    before = _forms(stored.url, "earlier")
    added = console.post(
        f"{closed}/forms/add",
        data={"csrf": csrf, "rater_id": "S2", "ratee_id": "C1", "relation": "partner"},
    )
    assert added.status_code == 410 and "is closed" in _error_text(added)
    with _session(stored.url) as session:
        form_id = session.scalar(
            select(Assignment.id)
            .join(Wave, Wave.id == Assignment.wave_id)
            .where(Wave.name == "earlier")
        )
    removed = console.post(f"{closed}/forms/{form_id}/remove", data={"csrf": csrf})
    assert removed.status_code == 410
    assert _forms(stored.url, "earlier") == before
    draft = console.post(
        f"{REVIEW_URL}/waves/later/forms/add",
        data={"csrf": csrf, "rater_id": "S2", "ratee_id": "C1", "relation": "partner"},
    )
    assert draft.status_code == 303
    assert ("S2", "C1", "partner") in _forms(stored.url, "later")
