"""axe-core on every kind of survey page: no serious or critical WCAG 2.1 AA violation."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from browser.pages import (
    DESKTOP,
    PHONE,
    LiveSurvey,
    click_answer,
    form_of,
    new_context,
    pick,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page, label: str) -> list[str]:
    """One line per serious or critical violation on the page, naming the elements."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    found: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{label}: {violation['id']} ({violation['impact']}) "
        f"{[node['target'] for node in violation['nodes']]}: {violation['help']}"
        for violation in found
        if violation["impact"] in BLOCKING
    ]


def visit_every_page(page: Page, live: LiveSurvey, *, every_scale: bool) -> list[str]:
    """Walk through every kind of survey page, checking each; the problems found.

    With ``every_scale`` false only the first page of each kind (person scale, site scale,
    comments) is checked; the others are only answered.
    """
    problems: list[str] = []
    check = problems.extend

    for name in ("partner", "self"):  # a rater's and a self-assessment's welcome page
        page.goto(live.link(name))
        check(blocking_violations(page, f"welcome ({name})"))

    # every page of the self-assessment: person scales, site scales and comments
    form = form_of("self")
    link = live.link("self")
    page.goto(f"{link}/page/1")
    for number in range(1, len(form.pages) + 1):
        expect(page).to_have_url(f"{link}/page/{number}")
        for question in form.page(number).questions[:1]:  # answered and unanswered ones
            click_answer(page, question, pick(form, number))
        about = form.page(number).about
        if every_scale or number == next(p.number for p in form.pages if p.about == about):
            check(blocking_violations(page, f"page {number} ({form.page(number).about})"))
        page.get_by_role("button", name="Next").first.click()

    expect(page).to_have_url(f"{link}/review")
    check(blocking_violations(page, "review"))
    page.get_by_role("button", name="Submit your answers").click()
    expect(page).to_have_url(f"{link}/thanks")
    check(blocking_violations(page, "thank-you"))
    page.goto(link)
    check(blocking_violations(page, "welcome (submitted)"))

    # an answer the form does not offer: the page comes back with its errors
    page.goto(f"{live.link('manager')}/page/1")
    question = form_of("manager").page(1).questions[0]
    page.locator(f"#{question.item_id}-1").evaluate("radio => { radio.value = '9'; }")
    click_answer(page, question, "1")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(blocking_violations(page, "invalid answer"))

    for label, url in [
        ("closed wave", live.link("closed")),
        ("wave not open", live.link("draft")),
        ("unknown link", f"{live.base_url}/s/no-such-survey-link"),
        ("no such page", f"{live.link('manager')}/page/99"),
    ]:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        check(blocking_violations(page, label))
    return problems


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_no_serious_accessibility_violations_on_any_page(
    browser: Browser, live_survey: LiveSurvey, device: str
) -> None:
    context = new_context(browser, **(PHONE if device == "phone" else DESKTOP))
    try:
        problems = visit_every_page(
            context.new_page(), live_survey, every_scale=device == "desktop"
        )
    finally:
        context.close()
    assert not problems, "\n".join(problems)
