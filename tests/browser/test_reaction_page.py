"""The programme reaction questionnaire in a real browser: a phone and a desktop, every
page free of serious or critical WCAG 2.1 AA violations (axe-core), no sideways scrolling."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from browser.conftest import _free_port
from browser.pages import DESKTOP, PHONE, new_context
from browser.test_survey_accessibility import blocking_violations
from colead.accounts.admins import create_admin
from colead.config import load_settings
from colead.development.reactions import ITEMS, create_reaction_links, record_reactions_bulk
from colead.store import init_database
from colead.web.app import create_app
from development.test_reactions import PROGRAMME, REVIEW, session_on, store_reaction_programme

pytestmark = [pytest.mark.browser, pytest.mark.integration]

_STARTUP_SECONDS = 10.0
EMAIL = "admin@example.org"
PASSWORD = "a long enough admin password"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on a free port, and the reaction tokens of those who completed."""
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    init_database(url)
    store_reaction_programme(url, tmp_path / "data")
    with session_on(url) as session:
        tokens = create_reaction_links(session, REVIEW, PROGRAMME, actor="test")
        create_admin(session, EMAIL, PASSWORD)
    app = create_app(load_settings(database_url=url, data_dir=str(tmp_path)))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reaction-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the server did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_SECONDS)


@pytest.mark.parametrize(("device", "person"), [(PHONE, "C2"), (DESKTOP, "S1")])
def test_answering_on_a_phone_or_a_desktop(
    browser: Browser,
    live: tuple[str, dict[str, str]],
    device: dict[str, Any],
    person: str,
) -> None:
    base, tokens = live
    link = f"{base}/r/{tokens[person]}"
    context = new_context(browser, **device)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"How was {PROGRAMME}?")
        problems += blocking_violations(page, "form")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)

        # one statement left out: the form comes back with the error, the rest kept
        for item in ITEMS[1:]:
            group = page.get_by_role("group", name=item.text)
            group.get_by_label("Agree", exact=True).check()
        page.get_by_label("anything else", exact=False).fill("Clear and practical.")
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("alert")).to_contain_text("Some answers are missing")
        problems += blocking_violations(page, "form with an error")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        expect(
            page.get_by_role("group", name=ITEMS[1].text).get_by_label("Agree", exact=True)
        ).to_be_checked()

        page.get_by_role("link", name=ITEMS[0].text).click()
        page.get_by_role("group", name=ITEMS[0].text).get_by_label("Strongly agree").check()
        page.get_by_role("button", name="Send my answers").click()
        expect(page).to_have_url(f"{link}/thanks")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        problems += blocking_violations(page, "thank-you page")
    finally:
        context.close()
    assert problems == []


def test_the_consoles_reaction_page_on_a_phone(
    browser: Browser, live: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, _ = live
    answers = {p: {item.id: 4 if p != "C1" else 5 for item in ITEMS} for p in ("C1", "P1", "P2")}
    with session_on(f"sqlite:///{tmp_path / 'colead.db'}") as session:
        record_reactions_bulk(
            session,
            REVIEW,
            PROGRAMME,
            answers,
            actor="test",
            comments_by_person={"P1": "Good."},
            minimum=3,
        )
    context = new_context(browser, **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}/admin/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/admin/reviews/{REVIEW}/programmes/{PROGRAMME}/reactions")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Reaction to {PROGRAMME}")
        expect(page.get_by_role("table")).to_contain_text("Overall (each person's mean)")
        expect(page.locator("ul.comments")).to_have_text("Good.")
        problems = blocking_violations(page, "console reaction page")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
    finally:
        context.close()
    assert problems == []
