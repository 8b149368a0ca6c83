"""The console's nominations page: approve (adding new people) and decline, all audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.domain import WaveStatus
from colead.fieldwork.nominations import nominate
from colead.store import make_engine, transaction
from colead.store.participants import find_participant
from colead.store.people import person_ids
from colead.store.reviews import get_review
from colead.store.schema import Assignment, AuditEntry, Person
from colead.store.schema_console import Nomination
from colead.store.waves import hash_token
from colead.web import create_app
from web.participant.test_pages import issue_links
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
PAGE = f"/admin/reviews/{quote(REVIEW, safe='')}/waves/baseline/nominations"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    db = store_survey_review(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
    finally:
        engine.dispose()
    return db


@pytest.fixture
def console(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(
        database_url=stored.url, data_dir=str(tmp_path), public_url="http://127.0.0.1:8000"
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        login = client.get("/admin/login")
        token = _CSRF.search(login.text)
        assert token is not None
        done = client.post(
            "/admin/login",
            data={"email": EMAIL, "password": PASSWORD, "csrf": token.group(1)},
        )
        assert done.status_code == 303
        yield client


def _csrf(client: TestClient) -> str:
    page = client.get(PAGE)
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def _propose(url: str, **rater: object) -> int:
    """A pending nomination for C2 in the baseline wave; its id."""
    token = issue_links(url, "baseline")["C2"]
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            participant = find_participant(session, hash_token(token))
            assert participant is not None
            return nominate(session, participant, relation="peer", **rater).id  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _count(url: str, model: type, **where: object) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            return int(session.scalar(query) or 0)
    finally:
        engine.dispose()


def test_the_page_needs_a_login(stored: SurveyDatabase, tmp_path: Path) -> None:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get(PAGE).status_code == 303


def test_approving_a_new_person_adds_one_person_and_one_assignment(
    stored: SurveyDatabase, console: TestClient
) -> None:
    ident = _propose(stored.url, name="Eve New", email="eve@new.test", note="works with me")
    page = console.get(PAGE)
    assert "Eve New" in page.text and "eve@new.test" in page.text and "works with me" in page.text
    people, forms = _count(stored.url, Person), _count(stored.url, Assignment)
    csrf = _csrf(console)
    done = console.post(
        f"{PAGE}/{ident}/approve",
        data={"csrf": csrf, "organisation": "Supplier Ltd", "site": "North", "level": "4"},
    )
    assert done.status_code == 303 and done.headers["location"] == PAGE
    assert _count(stored.url, Person) == people + 1
    assert _count(stored.url, Assignment) == forms + 1
    engine = make_engine(stored.url)
    with transaction(engine) as session:
        eve = session.scalars(select(Person).where(Person.email == "eve@new.test")).one()
        assert (eve.external_id, eve.level) == (f"N{ident}", 4)
        ids = person_ids(session, get_review(session, REVIEW).id)
        form = session.scalars(select(Assignment).where(Assignment.rater_id == eve.id)).one()
        assert (form.ratee_id, form.relation) == (ids["C2"], "peer")
        assert len(form.token_hash) == 64
        nomination = session.get_one(Nomination, ident)
        assert (nomination.status, nomination.assignment_id) == ("approved", form.id)
        assert nomination.decided_by == EMAIL
        actors = session.execute(
            select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity != "wave")
        ).all()
    engine.dispose()
    assert ("approve", EMAIL) in actors and ("create", EMAIL) in actors

    again = console.post(f"{PAGE}/{ident}/approve", data={"csrf": csrf})
    assert again.status_code == 400 and "already approved" in again.text
    assert _count(stored.url, Assignment) == forms + 1
    assert _count(stored.url, Person) == people + 1


def test_declining_keeps_the_reason_and_adds_nothing(
    stored: SurveyDatabase, console: TestClient
) -> None:
    ident = _propose(stored.url, name="Eve New", email="eve@new.test")
    forms = _count(stored.url, Assignment)
    done = console.post(
        f"{PAGE}/{ident}/decline", data={"csrf": _csrf(console), "note": "not on the contract"}
    )
    assert done.status_code == 303
    assert _count(stored.url, Assignment) == forms
    assert _count(stored.url, Nomination, status="declined", note="not on the contract") == 1
    assert _count(stored.url, AuditEntry, action="decline", actor=EMAIL) == 1


def test_approve_all_pending_and_a_closed_wave(stored: SurveyDatabase, console: TestClient) -> None:
    engine = make_engine(stored.url)
    with transaction(engine) as session:
        ids = person_ids(session, get_review(session, REVIEW).id)
    engine.dispose()
    _propose(stored.url, rater_id=ids["S2"])
    _propose(stored.url, name="Eve New", email="eve@new.test")
    csrf = _csrf(console)
    stored.set_status("baseline", WaveStatus.closed)
    closed = console.post(f"{PAGE}/approve-pending", data={"csrf": csrf})
    assert closed.status_code == 410
    assert _count(stored.url, Nomination, status="pending") == 2
    stored.set_status("baseline", WaveStatus.open)
    forms = _count(stored.url, Assignment)
    done = console.post(f"{PAGE}/approve-pending", data={"csrf": csrf})
    assert done.status_code == 303
    assert _count(stored.url, Nomination, status="approved") == 2
    assert _count(stored.url, Assignment) == forms + 2


def test_a_form_without_csrf_is_refused(stored: SurveyDatabase, console: TestClient) -> None:
    ident = _propose(stored.url, name="Eve New", email="eve@new.test")
    refused = console.post(f"{PAGE}/{ident}/approve", data={"csrf": "wrong"})
    assert refused.status_code == 403
    assert _count(stored.url, Nomination, status="pending") == 1
