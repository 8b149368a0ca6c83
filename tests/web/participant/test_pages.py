"""A participant's own pages: their status, nominations, self form, CSRF and the report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from colead.config import load_settings
from colead.domain import WaveStatus
from colead.fieldwork.participant_links import issue_participant_links
from colead.store import make_engine, transaction
from colead.store.people import person_ids
from colead.store.reviews import get_review
from colead.store.schema import Assignment, AuditEntry, Response
from colead.store.schema_console import Nomination
from colead.store.waves import PackedResponse, add_assignments, get_wave, save_responses
from colead.web import create_app
from web.development_loop import make_plan
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SECRET = "a test secret of more than thirty-two characters"


def issue_links(url: str, wave: str) -> dict[str, str]:
    """Participant tokens of the wave's ratees, by external id."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            links = issue_participant_links(session, REVIEW, wave, "http://t", actor="test")
    finally:
        engine.dispose()
    return {
        row.person_id: urlsplit(row.participant_url).path.rsplit("/", 1)[1]
        for row in links.table.itertuples()
    }


@pytest.fixture
def stored(database_url: str) -> SurveyDatabase:
    return store_survey_review(database_url)


@pytest.fixture
def client(stored: SurveyDatabase) -> Iterator[TestClient]:
    settings = load_settings(database_url=stored.url, secret_key=SECRET)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = _CSRF.search(response.text)
    assert found is not None
    return found.group(1)


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


def _ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return person_ids(session, get_review(session, REVIEW).id)
    finally:
        engine.dispose()


def test_the_page_shows_whom_it_is_for_and_the_rater_groups(
    stored: SurveyDatabase, client: TestClient
) -> None:
    token = issue_links(stored.url, "baseline")["C2"]
    page = client.get(f"/p/{token}")
    assert page.status_code == 200
    text = page.text
    assert "Ben Client" in text and "baseline" in text
    assert "not started" in text  # C2's self form
    # C2 has a manager (C1) and a partner (S1): one partner, two more needed
    assert "You need <strong>2 more people from the partner organisation</strong>" in text
    assert "You need <strong>3 more peers</strong>" in text
    assert "Shown on their own in your report." in text
    assert "Content-Security-Policy" in page.headers
    assert "<script" not in text


def test_a_full_nomination_flow(stored: SurveyDatabase, client: TestClient) -> None:
    token = issue_links(stored.url, "baseline")["C2"]
    base = f"/p/{token}"
    csrf = _csrf(client, base)
    search = client.get(base, params={"q": "sup"})
    assert "Cy Supplier" in search.text and "Di Supplier" in search.text
    assert "@" not in search.text.split('id="search-title"')[1].split('id="new-title"')[0]
    ids = _ids(stored.url)
    done = client.post(
        f"{base}/nominate", data={"csrf": csrf, "rater": str(ids["S2"]), "relation": "peer"}
    )
    assert done.status_code == 303 and done.headers["location"].endswith(
        "done=nominated#nominations"
    )
    new = client.post(
        f"{base}/nominate",
        data={"csrf": csrf, "name": "Eve New", "email": "eve@new.test", "relation": "peer"},
    )
    assert new.status_code == 303
    page = client.get(base).text
    assert "Di Supplier" in page and "Eve New" in page
    assert "waiting for approval: <strong>2</strong>" in page
    assert _count(stored.url, Nomination, status="pending") == 2

    duplicate = client.post(
        f"{base}/nominate", data={"csrf": csrf, "rater": str(ids["S2"]), "relation": "peer"}
    )
    assert duplicate.status_code == 409 and "already nominated" in duplicate.text
    myself = client.post(
        f"{base}/nominate", data={"csrf": csrf, "rater": str(ids["C2"]), "relation": "peer"}
    )
    assert myself.status_code == 422 and "cannot nominate yourself" in myself.text
    assigned = client.post(
        f"{base}/nominate", data={"csrf": csrf, "rater": str(ids["S1"]), "relation": "peer"}
    )
    assert assigned.status_code == 409

    engine = make_engine(stored.url)
    with transaction(engine) as session:
        first = session.scalars(select(Nomination.id).order_by(Nomination.id)).first()
    engine.dispose()
    gone = client.post(f"{base}/nominations/{first}/withdraw", data={"csrf": csrf})
    assert gone.status_code == 303
    assert _count(stored.url, Nomination) == 1
    assert _count(stored.url, AuditEntry, action="nominate") == 2
    assert _count(stored.url, AuditEntry, action="withdraw") == 1


def test_someone_elses_nomination_cannot_be_withdrawn(
    stored: SurveyDatabase, client: TestClient
) -> None:
    links = issue_links(stored.url, "baseline")
    csrf = _csrf(client, f"/p/{links['C2']}")
    client.post(
        f"/p/{links['C2']}/nominate",
        data={"csrf": csrf, "name": "Eve New", "email": "eve@new.test", "relation": "peer"},
    )
    engine = make_engine(stored.url)
    with transaction(engine) as session:
        nomination = session.scalars(select(Nomination.id)).one()
    engine.dispose()
    other = links["S1"]
    refused = client.post(
        f"/p/{other}/nominations/{nomination}/withdraw", data={"csrf": _csrf(client, f"/p/{other}")}
    )
    assert refused.status_code == 404
    assert _count(stored.url, Nomination) == 1


def test_forms_without_the_right_csrf_change_nothing(
    stored: SurveyDatabase, client: TestClient
) -> None:
    links = issue_links(stored.url, "baseline")
    data = {"name": "Eve New", "email": "eve@new.test", "relation": "peer"}
    missing = client.post(f"/p/{links['C2']}/nominate", data=data)
    assert missing.status_code == 403
    # the field of another participant's page does not fit this one
    wrong = client.post(
        f"/p/{links['C2']}/nominate", data={**data, "csrf": _csrf(client, f"/p/{links['S1']}")}
    )
    assert wrong.status_code == 403
    selfish = client.post(f"/p/{links['C2']}/self", data={"csrf": "0" * 64})
    assert selfish.status_code == 403
    odd = client.post(f"/p/{links['C2']}/nominate", data={**data, "csrf": "é" * 64})
    assert odd.status_code == 403 and "This form was refused" in odd.text
    assert _count(stored.url, Nomination) == 0


def test_an_unknown_link_gets_the_survey_s_unknown_link_page(
    stored: SurveyDatabase, client: TestClient
) -> None:
    survey = client.get("/s/" + "A" * 43)
    participant = client.get("/p/" + "A" * 43)
    assert participant.status_code == survey.status_code == 404
    assert participant.text == survey.text
    short = client.get("/p/x")
    assert short.status_code == 404 and short.text == survey.text
    # a survey token is no participant token, and a post to an unknown link says the same
    assert client.get(f"/p/{stored.tokens['self']}").text == survey.text
    posted = client.post("/p/" + "A" * 43 + "/nominate", data={"csrf": "x"})
    assert posted.status_code == 404 and posted.text == survey.text


def test_rate_yourself_replaces_the_self_link(stored: SurveyDatabase, client: TestClient) -> None:
    token = issue_links(stored.url, "baseline")["C2"]
    csrf = _csrf(client, f"/p/{token}")
    moved = client.post(f"/p/{token}/self", data={"csrf": csrf})
    assert moved.status_code == 303
    location = moved.headers["location"]
    assert location.startswith("/s/")
    assert client.get(location).status_code == 200
    # the invitation's self link no longer works
    assert client.get(f"/s/{stored.tokens['self']}").status_code == 404


def test_someone_without_a_self_form_is_told_so(stored: SurveyDatabase, client: TestClient) -> None:
    token = issue_links(stored.url, "baseline")["S1"]
    page = client.get(f"/p/{token}").text
    assert "You have no self-assessment in this wave" in page
    refused = client.post(f"/p/{token}/self", data={"csrf": _csrf(client, f"/p/{token}")})
    assert refused.status_code == 409


def test_a_closed_wave_takes_no_nominations(stored: SurveyDatabase, client: TestClient) -> None:
    token = issue_links(stored.url, "baseline")["C2"]
    csrf = _csrf(client, f"/p/{token}")
    stored.set_status("baseline", WaveStatus.closed)
    refused = client.post(
        f"/p/{token}/nominate",
        data={"csrf": csrf, "name": "Eve New", "email": "eve@new.test", "relation": "peer"},
    )
    assert refused.status_code == 410
    assert _count(stored.url, Nomination) == 0


def _answer(url: str, ratee: str, raters: dict[str, str], seed: int = 5) -> None:
    """Submitted forms about ``ratee`` by ``raters`` (external id -> relation)."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            review = get_review(session, REVIEW)
            wave = get_wave(session, review, "baseline")
            ids = person_ids(session, review.id)
            add_assignments(
                session, wave.id, [(ids[ratee], ids[r], rel) for r, rel in raters.items()]
            )
            from colead.store.reviews import load_framework_version

            items = len(load_framework_version(session, wave.framework_version_id).item_ids)
            rows = session.execute(
                select(Assignment.id).where(
                    Assignment.wave_id == wave.id, Assignment.ratee_id == ids[ratee]
                )
            ).scalars()
            save_responses(
                session,
                wave.framework_version_id,
                [
                    PackedResponse(a, bytes(rng.integers(1, 6, items).tolist()), "Clear", None)
                    for a in rows
                ],
            )
    finally:
        engine.dispose()


def test_the_report_waits_for_the_close_and_the_minimum(
    stored: SurveyDatabase, client: TestClient
) -> None:
    _answer(stored.url, "C2", {})  # the manager, partner and self forms of C2
    token = issue_links(stored.url, "baseline")["C2"]
    early = client.get(f"/p/{token}/report")
    assert early.status_code == 200 and "not available yet" in early.text
    stored.set_status("baseline", WaveStatus.closed)
    refused = client.get(f"/p/{token}/report")
    # two others answered (manager and partner): below the minimum of three
    assert refused.status_code == 200 and "cannot be produced" in refused.text
    for name in ("Ana Client", "Cy Supplier", "Clear"):
        assert name not in refused.text
    assert client.get(f"/p/{token}/report.pdf").status_code == 409
    assert "cannot be produced" in client.get(f"/p/{token}").text
    assert _count(stored.url, Response) == 3


def test_the_report_is_shown_once_enough_others_answered(
    stored: SurveyDatabase, client: TestClient
) -> None:
    _answer(stored.url, "C2", {"S2": "partner"})
    token = issue_links(stored.url, "baseline")["C2"]
    step = "Ask a partner colleague for feedback"
    make_plan(stored.url, REVIEW, "C2", [(step, date(2099, 6, 30))], stored.wave_ids["baseline"])
    stored.set_status("baseline", WaveStatus.closed)
    page = client.get(f"/p/{token}")
    assert "Read your report" in page.text
    # raters asked by the organisers are counted, never named
    for rater in ("Ana Client", "Cy Supplier", "Di Supplier"):
        assert rater not in page.text
    report = client.get(f"/p/{token}/report")
    assert report.status_code == 200
    assert "Ben Client" in report.text
    # raters are never named in the report
    for rater in ("Ana Client", "Cy Supplier", "Di Supplier"):
        assert rater not in report.text
    assert "<script" not in report.text.lower()
    # the person's own copy shows their development plan, as the report job's pages do
    assert step in report.text
    pdf = client.get(f"/p/{token}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/p/" + "B" * 43 + "/report").status_code == 404


def test_before_the_wave_opens_raters_can_be_proposed_but_not_the_self_form(
    stored: SurveyDatabase, client: TestClient
) -> None:
    token = issue_links(stored.url, "later")["C2"]
    page = client.get(f"/p/{token}")
    assert "not opened yet" in page.text
    assert "You have no self-assessment in this wave" in page.text
    added = client.post(
        f"/p/{token}/nominate",
        data={
            "csrf": _csrf(client, f"/p/{token}"),
            "name": "Eve New",
            "email": "eve@new.test",
            "relation": "other",
            "note": "my mentor",
        },
    )
    assert added.status_code == 303
    assert _count(stored.url, Nomination, relation="other", status="pending") == 1
