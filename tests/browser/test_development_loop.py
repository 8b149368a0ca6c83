"""The development loop in a real browser: select, enrol, attend, plan, follow up, evaluate.

An admin logs in to a simulated review whose waves have closed, creates a programme with
its costs, opens the selection and enrols the people most in need, records attendance and
completion, generates development plans and edits an action. The person then opens their
own link on a phone and marks that action done; their line manager opens theirs and sees
it. The admin then states what a KPI unit is worth on the evaluation page and sees the
return on investment. axe-core checks every page of the loop (no serious or critical
WCAG 2.1 AA violation).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect

from browser.pages import DESKTOP, PHONE, new_context
from browser.test_survey_accessibility import blocking_violations
from builders import small_simulation
from colead.config import load_settings
from colead.development import programmes
from colead.fieldwork.participant_links import issue_participant_links
from colead.store.plans import action_rows
from colead.web.app import create_app
from web.development_loop import (
    EMAIL,
    PASSWORD,
    SIMULATED_SEED,
    session_on,
    store_simulated,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

#: the person whose plan is followed, and their line manager (both rated in follow-up)
PERSON = "P00002"
MANAGER = "P00001"
PROGRAMME = "Collaborative leadership 2026"
NEW_TEXT = "Ask the partner's site lead for feedback after every monthly review."
#: a KPI of the simulated sites, valued on the evaluation page
KPI = "On-time delivery (%)"
_STARTUP_SECONDS = 10.0
#: the selection and plan generation analyse a whole wave: allow them time on a busy machine
SLOW_MS = 90_000


@dataclass(frozen=True)
class LiveLoop:
    base_url: str
    database_url: str
    review: str
    links: dict[str, str]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveLoop]:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    review = store_simulated(url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with session_on(url) as session:
        made = issue_participant_links(session, review, "follow-up", base_url, actor="test")
    links = {
        row.person_id: row.participant_url
        for row in made.table.itertuples()
        if row.person_id in (PERSON, MANAGER)
    }
    assert sorted(links) == sorted((PERSON, MANAGER))
    settings = load_settings(database_url=url, data_dir=str(tmp_path / "data"), reminders_every=0)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="loop-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_SECONDS
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on 127.0.0.1:{port}")
            time.sleep(0.02)
        yield LiveLoop(base_url, url, review, links)
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_SECONDS)


def _patient(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(SLOW_MS)
    context.set_default_navigation_timeout(SLOW_MS)
    return context


def _log_in(page: Page, live: LiveLoop) -> None:
    page.goto(f"{live.base_url}/admin/")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=live.review).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(live.review)


def _programme_and_enrolment(page: Page, live: LiveLoop) -> list[str]:
    """Create the programme, enrol the three people most in need from the selection,
    record attendance and completion; the accessibility problems found."""
    page.get_by_role("link", name="Programmes", exact=True).click()
    problems = blocking_violations(page, "programmes")
    page.get_by_label(re.compile("^Name")).fill(PROGRAMME)
    page.get_by_label("Provider").fill("Partnering Academy")
    page.get_by_label("Cost per participant").fill("1200")
    page.get_by_label(re.compile("^Other costs")).fill("3000")
    page.get_by_role("button", name="Create the programme").click()
    expect(page.get_by_role("status")).to_have_text("The programme was created.")

    page.get_by_role("link", name="selection page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who to develop")
    problems += blocking_violations(page, "selection")
    boxes = page.locator('input[name="person"]')
    chosen = [boxes.nth(k).get_attribute("value") or "" for k in range(3)]
    for k in range(3):
        boxes.nth(k).check()
    page.get_by_label("Programme to enrol them into").select_option(PROGRAMME)
    page.get_by_role("button", name="Enrol in the programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
    expect(page.get_by_role("status")).to_have_text("The people were enrolled.")
    problems += blocking_violations(page, "programme")

    first = page.get_by_role("row").filter(has_text=chosen[0])
    first.get_by_label(re.compile("^Attended")).fill("5")
    first.get_by_label(re.compile("^of")).fill("6")
    first.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("status")).to_have_text("The attendance was recorded.")
    page.get_by_role("row").filter(has_text=chosen[0]).get_by_role(
        "button", name=re.compile("^Mark completed")
    ).click()
    expect(page.get_by_role("status")).to_have_text("The completion was recorded.")
    counts = page.locator("dl.counts")
    expect(counts.locator("dt:text-is('Enrolled') + dd")).to_have_text("3")
    expect(counts.locator("dt:text-is('Completed') + dd")).to_have_text("1")
    expect(counts.locator("dt:text-is('Sessions attended') + dd")).to_have_text("5 of 6")
    # 3 enrolled × 1200 + 3000
    expect(counts.locator("dt:text-is('Total cost') + dd")).to_have_text("6600")

    with session_on(live.database_url) as session:
        detail = programmes.show_programme(session, live.review, PROGRAMME)
    assert sorted(e.person_id for e in detail.enrolments) == sorted(chosen)
    return problems


def _plans(page: Page, live: LiveLoop) -> list[str]:
    """Generate plans and edit the person's first action; the accessibility problems."""
    page.get_by_role("link", name=f"All programmes of {live.review}").click()
    page.get_by_role("link", name=f"Back to {live.review}").click()
    page.get_by_role("link", name="Development plans").click()
    problems = blocking_violations(page, "plans (empty)")
    page.get_by_label("Wave", exact=True).select_option("follow-up")
    page.get_by_role("button", name="Generate plans").click()
    expect(page.get_by_role("status")).to_contain_text("plan(s) created")
    problems += blocking_violations(page, "plans")

    name = str(small_simulation(SIMULATED_SEED).people.set_index("person_id").at[PERSON, "name"])
    page.get_by_role("link", name=f"{PERSON} {name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    problems += blocking_violations(page, "plan")
    card = page.locator("li").filter(has=page.get_by_role("button", name="Save action 1"))
    card.get_by_label("What will be done").fill(NEW_TEXT)
    card.get_by_label("Status").select_option("in_progress")
    card.get_by_role("button", name="Save action 1").click()
    expect(page.get_by_role("status")).to_have_text("The action was saved.")
    expect(page.get_by_role("heading", name=re.compile("^Action 1.*In progress"))).to_be_visible()

    page.get_by_role("link", name=re.compile("^All development plans")).click()
    page.get_by_role("link", name=f"Back to {live.review}").click()
    page.get_by_role("link", name="Improvement actions").click()
    page.get_by_role("button", name="Add the paper's improvement actions").click()
    expect(page.get_by_role("status")).to_contain_text("improvement actions are in the log")
    problems += blocking_violations(page, "improvement actions")
    return problems


def _follow_up(phone: BrowserContext, live: LiveLoop) -> list[str]:
    """The person marks the edited action done; their manager sees it."""
    page = phone.new_page()
    page.goto(live.links[PERSON])
    page.get_by_role("link", name="Your development plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your development plan")
    problems = blocking_violations(page, "participant plan")
    card = page.locator("li").filter(has_text=NEW_TEXT)
    card.get_by_label(re.compile("^New status")).select_option("done")
    card.get_by_role("button", name=re.compile("^Update")).click()
    expect(page.get_by_role("status")).to_have_text("The action was updated.")
    expect(page.locator("li").filter(has_text=NEW_TEXT)).to_contain_text("Status: Done")

    manager = phone.new_page()
    manager.goto(f"{live.links[MANAGER]}/plan")
    expect(
        manager.get_by_role("heading", name="Plans of the people who report to you")
    ).to_be_visible()
    expect(manager.locator("li").filter(has_text=NEW_TEXT)).to_contain_text("Status: Done")
    problems += blocking_violations(manager, "manager's plan page")

    with session_on(live.database_url) as session:
        rows = [r for r in action_rows(session, plans=True) if r.description == NEW_TEXT]
    assert [(r.person, r.status) for r in rows] == [(PERSON, "done")]
    return problems


def _evaluation(page: Page, live: LiveLoop) -> list[str]:
    """The evaluation dashboard: state what a KPI unit is worth and see the return."""
    page.goto(f"{live.base_url}/admin/")
    page.get_by_role("link", name=live.review).first.click()
    page.get_by_role("link", name="Programme evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme evaluation")
    expect(
        page.get_by_role("region", name="Kirkpatrick's four levels of evaluation")
    ).to_be_visible()
    problems = blocking_violations(page, "evaluation")
    page.get_by_label("KPI", exact=True).select_option(KPI)
    page.get_by_label("Value of one unit").fill("9000")
    page.get_by_label("Currency (three letters)").fill("GBP")
    page.get_by_label("Periods of benefit").fill("4")
    page.get_by_role("button", name="Save the value").click()
    values = page.get_by_role("region", name="Stated values of KPI units")
    expect(values).to_contain_text(KPI)
    roi = page.get_by_role("region", name="Return on investment (Phillips level 5)")
    expect(roi).to_contain_text("difference in differences")
    expect(roi).to_contain_text("Net benefit")  # computed, now that a value is stated
    problems += blocking_violations(page, "evaluation with a value")
    return problems


def test_select_enrol_plan_and_follow_up(browser: Browser, live: LiveLoop) -> None:
    admin = _patient(new_context(browser, **DESKTOP))
    phone = _patient(new_context(browser, **PHONE))
    try:
        page = admin.new_page()
        _log_in(page, live)
        problems = blocking_violations(page, "review")
        problems += _programme_and_enrolment(page, live)
        problems += _plans(page, live)
        problems += _follow_up(phone, live)
        problems += _evaluation(page, live)
    finally:
        admin.close()
        phone.close()
    assert problems == []
