"""The console's reaction page of a programme: status, the summary only from the anonymity
minimum, comments unattributed, and the send / remind buttons (CSRF, audited, real SMTP)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.development.reactions import ITEMS, record_reactions_bulk
from colead.store import init_database
from colead.store.schema import AuditEntry
from colead.web import create_app
from development.test_reactions import (
    PROGRAMME,
    REVIEW,
    SENDER,
    session_on,
    store_reaction_programme,
)
from mail.test_smtp import Collector, free_port

pytestmark = pytest.mark.integration

EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
PAGE = f"/admin/reviews/{quote(REVIEW, safe='')}/programmes/{quote(PROGRAMME, safe='')}/reactions"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    init_database(database_url)
    store_reaction_programme(database_url, tmp_path / "data")
    with session_on(database_url) as session:
        create_admin(session, EMAIL, PASSWORD)
    return database_url


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def console(url: str, tmp_path: Path, smtp: tuple[Collector, int]) -> Iterator[TestClient]:
    settings = load_settings(
        database_url=url,
        data_dir=str(tmp_path),
        public_url="http://127.0.0.1:8000",
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_tls="none",
        mail_from=SENDER,
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


def _answer(url: str, people: list[str], comments: dict[str, str]) -> None:
    answers = {p: {item.id: 5 if p == "C1" else 3 for item in ITEMS} for p in people}
    with session_on(url) as session:
        record_reactions_bulk(
            session,
            REVIEW,
            PROGRAMME,
            answers,
            actor="test",
            comments_by_person=comments,
            minimum=3,
        )


def test_the_page_needs_a_login(url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=url, data_dir=str(tmp_path))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        answer = client.get(PAGE)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login"


def test_below_the_minimum_only_counts_are_shown(console: TestClient, url: str) -> None:
    _answer(url, ["C1", "C2"], {"C1": "Secret remark."})
    page = console.get(PAGE)
    assert page.status_code == 200
    assert "<h1>Reaction to Leading together</h1>" in page.text
    assert "<dt>Enrolled</dt><dd>7</dd>" in page.text
    assert "<dt>Answered</dt><dd>2</dd>" in page.text
    assert "Results are shown from 3 answers" in page.text
    assert "Secret remark." not in page.text and "<table>" not in page.text


def test_from_the_minimum_the_summary_and_comments_are_shown(console: TestClient, url: str) -> None:
    _answer(url, ["C1", "C2", "S1"], {"C2": "b comes second", "S1": "A comes first"})
    page = console.get(PAGE)
    assert page.status_code == 200
    # relevance: 5, 3, 3 -> mean 3.67, SD 1.15, favourable 1 of 3
    assert '<td class="number">3.67</td>' in page.text
    assert '<td class="number">1.15</td>' in page.text
    assert '<td class="number">33 %</td>' in page.text
    assert "0 · 0 · 2 · 0 · 1" in page.text
    assert page.text.index("A comes first") < page.text.index("b comes second")
    assert "Ana Client" not in page.text.split("<h2>Results</h2>")[1]


def test_send_and_remind_mail_the_people_and_are_audited(
    console: TestClient, url: str, smtp: tuple[Collector, int]
) -> None:
    handler, _ = smtp
    sent = console.post(f"{PAGE}/send", data={"csrf": _csrf(console), "audience": "all"})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(PAGE + "?done=invitations&sent=6")
    notice = console.get(sent.headers["location"])
    assert "Invitations: 6 sent, 0 refused by the mail server, 1 person(s) skipped" in notice.text
    assert len(handler.envelopes) == 6
    reminded = console.post(f"{PAGE}/remind", data={"csrf": _csrf(console)})
    assert reminded.status_code == 303 and "done=reminders&sent=6" in reminded.headers["location"]
    assert len(handler.envelopes) == 12
    with session_on(url) as session:
        actors = session.execute(
            select(AuditEntry.actor, AuditEntry.action).where(
                AuditEntry.action.like("send_reaction_%")
            )
        )
        assert sorted(actors) == [
            (EMAIL, "send_reaction_invitations"),
            (EMAIL, "send_reaction_reminders"),
        ]


def test_forms_without_the_csrf_token_or_with_a_bad_choice_are_refused(
    console: TestClient, smtp: tuple[Collector, int]
) -> None:
    handler, _ = smtp
    assert console.post(f"{PAGE}/send", data={"audience": "all"}).status_code == 403
    assert console.post(f"{PAGE}/remind", data={"csrf": "forged"}).status_code == 403
    bad = console.post(f"{PAGE}/send", data={"csrf": _csrf(console), "audience": "everyone"})
    assert bad.status_code == 422
    assert handler.envelopes == []


def test_an_unknown_programme_gets_the_consoles_error_page(console: TestClient) -> None:
    page = console.get(PAGE.replace("Leading%20together", "Nope"))
    assert page.status_code == 404 and "Leading together" in page.text
