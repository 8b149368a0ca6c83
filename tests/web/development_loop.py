"""What the tests of the development-loop pages share: stored reviews, a logged-in console,
plans made straight in the store, and reading the audit log."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import default_framework, small_simulation
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.jobs.demo import store_simulation
from colead.store import init_database, make_engine, open_database, transaction
from colead.store.plans import add_action, add_plan, people_by_external_id
from colead.store.reviews import get_review
from colead.store.schema import AuditEntry
from colead.web import create_app
from web.stored import SurveyDatabase, store_survey_review

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
SIMULATED_SEED = 11
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def review_url(review: str) -> str:
    return f"/admin/reviews/{quote(review, safe='')}"


@contextmanager
def session_on(url: str) -> Iterator[Session]:
    """A transaction on ``url`` with its own engine, disposed afterwards."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def add_admin(url: str) -> None:
    with session_on(url) as session:
        create_admin(session, EMAIL, PASSWORD)


def store_small(url: str) -> SurveyDatabase:
    """The four-person review of :mod:`web.stored` and an admin account."""
    db = store_survey_review(url)
    add_admin(url)
    return db


def store_simulated(url: str) -> str:
    """The small simulated review (300 people, two closed waves) and an admin; its name."""
    init_database(url)
    engine = open_database(url)
    try:
        review = store_simulation(engine, small_simulation(SIMULATED_SEED), default_framework())
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
        return review.review
    finally:
        engine.dispose()


def console_client(url: str, data_dir: Path, **settings: Any) -> Iterator[TestClient]:
    app = create_app(load_settings(database_url=url, data_dir=str(data_dir), **settings))
    with TestClient(app, follow_redirects=False) as client:
        yield client


def csrf_of(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = _CSRF.search(response.text)
    assert found is not None
    return found.group(1)


def log_in(client: TestClient) -> str:
    """Log the admin in; the session's CSRF token."""
    token = csrf_of(client, "/admin/login")
    response = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 303
    return csrf_of(client, "/admin/")


def text_of(page: str) -> str:
    """A page's text without markup, whitespace collapsed."""
    return " ".join(html.unescape(_TAGS.sub(" ", page)).split())


def audit_rows(url: str, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(actor, detail) of every audit entry of ``action``, oldest first."""
    with session_on(url) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return [(actor, detail or {}) for actor, detail in rows]


def make_plan(
    url: str, review: str, person: str, actions: list[tuple[str, date]], wave_id: int | None
) -> tuple[int, list[int]]:
    """A draft plan of ``person`` with open actions (text, due date); its id and theirs."""
    with session_on(url) as session:
        review_id = get_review(session, review).id
        person_id = people_by_external_id(session, review_id, [person])[person].id
        plan = add_plan(session, person_id, wave_id)
        ids = [
            add_action(
                session,
                review_id=review_id,
                plan_id=plan.id,
                description=text,
                owner=person,
                due_date=due,
            ).id
            for text, due in actions
        ]
        return plan.id, ids
