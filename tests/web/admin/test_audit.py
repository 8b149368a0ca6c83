"""The console's audit log page: newest first, paged by 50, filtered safely."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.store import make_engine, transaction
from colead.store.reviews import get_or_create_review, get_review
from colead.store.schema import AuditEntry
from colead.web import create_app
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

EMAIL = "audit-admin@example.org"
PASSWORD = "a long enough admin password"
OTHER_REVIEW = "Other Co - Vendor plc"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: the planted entries start here, one hour apart
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PLANTED = 120


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    db = store_survey_review(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            create_admin(session, EMAIL, PASSWORD)
            review = get_review(session, REVIEW)
            other, _ = get_or_create_review(session, OTHER_REVIEW, actor="planter")
            for k in range(PLANTED):
                session.add(
                    AuditEntry(
                        at=START + timedelta(hours=k),
                        actor="Planter@Example.org" if k % 2 else "importer",
                        action="import" if k % 3 else "report.download",
                        entity="review",
                        entity_id=review.id,
                        review_id=other.id if k % 4 == 0 else review.id,
                        detail={"entry": k, "file_name": f"file-{k}.csv"},
                    )
                )
    finally:
        engine.dispose()
    return db


@pytest.fixture
def client(stored: SurveyDatabase, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(database_url=stored.url, data_dir=str(tmp_path / "data"))
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    found = _CSRF.search(client.get("/admin/login").text)
    assert found is not None
    response = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf": found.group(1)}
    )
    assert response.status_code == 303
    return client


def planted(html: str) -> list[int]:
    """The planted entries on a page, in page order."""
    return [int(k) for k in re.findall(r"<dt>entry</dt><dd>(\d+)</dd>", html)]


def total(html: str) -> int:
    found = re.search(r"<h2>(\d+) entr", html)
    assert found is not None
    return int(found.group(1))


def test_the_log_needs_a_login(client: TestClient) -> None:
    response = client.get("/admin/audit")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"


def test_newest_first_in_pages_of_fifty(admin: TestClient) -> None:
    filters = {"action": "import", "since": "2024-03-01", "until": "2024-03-31"}
    first = admin.get("/admin/audit", params=filters)
    assert first.status_code == 200
    imports = [k for k in range(PLANTED) if k % 3]
    assert total(first.text) == len(imports) == 80
    assert planted(first.text) == sorted(imports, reverse=True)[:50]
    older = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert older is not None
    next_url = older.group(1).replace("&amp;", "&")
    assert "action=import" in next_url and "since=2024-03-01" in next_url and "page=2" in next_url
    second = admin.get(next_url)
    assert planted(second.text) == sorted(imports, reverse=True)[50:]
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text


def test_filters_by_review_actor_action_and_days(admin: TestClient) -> None:
    other = admin.get("/admin/audit", params={"review": OTHER_REVIEW, "action": "import"})
    assert sorted(planted(other.text)) == [k for k in range(PLANTED) if k % 4 == 0 and k % 3]
    created = admin.get("/admin/audit", params={"review": OTHER_REVIEW, "action": "create"})
    assert total(created.text) == 1 and ">planter<" in created.text
    # Actors match whatever the case; the review filter keeps to its review.
    actor = admin.get(
        "/admin/audit", params={"actor": "planter@example.org", "review": REVIEW, "page": 1}
    )
    expected = [k for k in range(PLANTED) if k % 2 and k % 4]
    assert total(actor.text) == len(expected)
    # Both days are included: 2 March 00:00 is entry 15, 3 March 23:00 is entry 62.
    days = admin.get(
        "/admin/audit", params={"since": "2024-03-02", "until": "2024-03-03", "actor": "importer"}
    )
    assert planted(days.text) == [k for k in range(62, 14, -1) if k % 2 == 0]
    login = admin.get("/admin/audit", params={"action": "login"})
    assert total(login.text) == 1 and EMAIL in login.text


def test_details_are_readable(admin: TestClient) -> None:
    html = admin.get("/admin/audit", params={"action": "report.download", "page": 1}).text
    assert "<dt>file name</dt><dd>file-117.csv</dd>" in html
    assert "{" not in re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def test_filters_are_values_not_sql(admin: TestClient) -> None:
    for trick in ("' OR 1=1 --", "%", "_", '"; DROP TABLE audit_log; --'):
        for name in ("review", "actor", "action"):
            response = admin.get("/admin/audit", params={name: trick})
            assert response.status_code == 200, (name, trick)
            assert total(response.text) == 0
    assert total(admin.get("/admin/audit").text) > PLANTED


def test_bad_dates_and_pages_are_refused(admin: TestClient) -> None:
    for params in (
        {"since": "yesterday"},
        {"until": "2024-02-30"},
        {"since": "2024-03-05", "until": "2024-03-01"},
        {"page": "0"},
        {"page": "x"},
    ):
        response = admin.get("/admin/audit", params=params)
        assert response.status_code == 422, params
        assert "Traceback" not in response.text
    assert "not a date" in admin.get("/admin/audit", params={"since": "yesterday"}).text
