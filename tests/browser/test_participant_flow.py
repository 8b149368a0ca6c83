"""A participant on a phone opens their page, nominates two peers, and the page passes
axe-core (no serious or critical WCAG 2.1 AA violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from browser.pages import PHONE, LiveSurvey, new_context
from browser.test_survey_accessibility import blocking_violations
from colead.store import make_engine, transaction
from colead.store.schema_console import Nomination
from web.participant.test_pages import issue_links

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_a_participant_nominates_two_peers_on_a_phone(
    browser: Browser, live_survey: LiveSurvey
) -> None:
    token = issue_links(live_survey.db.url, "baseline")["C2"]
    link = f"{live_survey.base_url}/p/{token}"
    context = new_context(browser, **PHONE)
    page = context.new_page()
    try:
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your 360 feedback")
        problems = blocking_violations(page, "participant page")

        # an existing colleague, found by name
        page.get_by_role("searchbox").fill("di")
        page.get_by_role("button", name="Search").click()
        page.get_by_label("How Di Supplier works with you").select_option("peer")
        page.get_by_role("button", name="Nominate Di Supplier").click()
        expect(page.get_by_role("status")).to_contain_text("Your nomination was sent")

        # someone new
        page.get_by_label("Full name").fill("Eve Newcomer")
        page.get_by_label("E-mail address").fill("eve@new.test")
        page.get_by_label("How they work with you").select_option("peer")
        page.get_by_role("button", name="Propose this person").click()
        expect(page.get_by_role("status")).to_contain_text("Your nomination was sent")

        expect(page.get_by_text("waiting for approval: 2")).to_be_visible()
        problems += blocking_violations(page, "participant page with nominations")
        page.goto(f"{link}?q=su")
        problems += blocking_violations(page, "participant page with search results")
        page.goto(f"{link}/report")
        problems += blocking_violations(page, "report not ready")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], "the page scrolls sideways on a phone"
    finally:
        context.close()
    assert problems == []

    engine = make_engine(live_survey.db.url)
    try:
        with transaction(engine) as session:
            proposed = session.execute(
                select(Nomination.rater_name, Nomination.relation, Nomination.status)
            ).all()
    finally:
        engine.dispose()
    assert sorted(proposed, key=str) == sorted(
        [(None, "peer", "pending"), ("Eve Newcomer", "peer", "pending")], key=str
    )
