"""A rater's whole survey in a real browser: by touch on a phone, by keyboard, without
JavaScript, and resumed on another device."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.pages import (
    DESKTOP,
    FOCUS_IS_VISIBLE,
    FOCUSED,
    PHONE,
    LiveSurvey,
    checked_value,
    click_answer,
    form_of,
    new_context,
    pick,
    stored_values,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

#: more than any page here needs to reach a control with the Tab key
_MAX_TABS = 40


def test_a_rater_completes_the_survey_on_a_phone(browser: Browser, live_survey: LiveSurvey) -> None:
    form = form_of("manager")
    link = live_survey.link("manager")
    context = new_context(browser, **PHONE)
    page = context.new_page()
    try:
        page.goto(link)
        expect(page.locator("h1")).to_have_text("Feedback for Ben Client")
        expect(page.get_by_text("Your answers are confidential")).to_be_visible()
        page.get_by_role("link", name="Start").click()

        chosen: dict[str, str] = {}
        went_back = False
        number = 1
        while number < len(form.pages):
            expect(page).to_have_url(f"{link}/page/{number}")
            for question in form.page(number).questions:
                value = pick(form, len(chosen) + question.position)
                click_answer(page, question, value)
                chosen[question.item_id] = value
                assert checked_value(page, question) == value
            if number == 3 and not went_back:
                went_back = True
                page.get_by_role("button", name="Back").click()
                number -= 1
                expect(page).to_have_url(f"{link}/page/{number}")
                for question in form.page(number).questions:
                    assert checked_value(page, question) == chosen[question.item_id]
                changed = form.page(number).questions[0]
                chosen[changed.item_id] = "na"
                click_answer(page, changed, "na")
                page.get_by_role("button", name="Next", exact=True).click()
                number += 1
                expect(page).to_have_url(f"{link}/page/{number}")
                for question in form.page(number).questions:
                    assert checked_value(page, question) == chosen[question.item_id]
            page.get_by_role("button", name="Next", exact=True).click()
            number += 1

        expect(page).to_have_url(f"{link}/page/{len(form.pages)}")
        expect(page.locator("h1")).to_have_text("Comments")
        strengths = "Keeps both sites informed.\nListens before deciding."
        page.locator("#comment_strengths").fill(strengths)
        page.get_by_role("button", name="Next: review your answers").click()

        expect(page).to_have_url(f"{link}/review")
        total = len(form.questions)
        expect(page.get_by_text(f"You have answered {total} of {total} questions.")).to_be_visible()
        expect(page.get_by_text("Listens before deciding.")).to_be_visible()
        page.get_by_role("button", name="Submit your answers").click()

        expect(page).to_have_url(f"{link}/thanks")
        expect(page.locator("h1")).to_have_text("Thank you")
    finally:
        context.close()

    assert went_back
    assert stored_values(live_survey.db, "manager", form) == chosen
    record = live_survey.db.record("manager")
    assert record.comment_strengths == strengths
    assert record.comment_suggestions is None
    assert record.submitted_at is not None


def _tab_to(page: Page, matches: dict[str, str]) -> dict[str, str]:
    """Press Tab until the focused element has every attribute in ``matches``."""
    for _ in range(_MAX_TABS):
        page.keyboard.press("Tab")
        focused: dict[str, str] = page.evaluate(FOCUSED)
        if all(focused.get(key) == value for key, value in matches.items()):
            assert page.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {focused}"
            return focused
    raise AssertionError(f"Tab never reached {matches} on {page.url}")


def test_a_rater_answers_and_submits_with_the_keyboard_only(
    browser: Browser, live_survey: LiveSurvey
) -> None:
    form = form_of("partner")
    link = live_survey.link("partner")
    context = new_context(browser, **DESKTOP)
    page = context.new_page()
    try:
        page.goto(link)
        _tab_to(page, {"tag": "a", "text": "Skip to the survey"})
        _tab_to(page, {"tag": "a", "text": "Start"})
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{link}/page/1")

        chosen: dict[str, str] = {}
        for index, question in enumerate(form.page(1).questions):
            # Tab enters a radio group at its first button; Space chooses it and the arrow
            # keys move the choice along the group.
            _tab_to(page, {"type": "radio", "name": question.item_id})
            page.keyboard.press("Space")
            for _ in range(index % len(form.choices)):
                page.keyboard.press("ArrowDown")
            assert page.evaluate(FOCUS_IS_VISIBLE)
            chosen[question.item_id] = pick(form, index)
            assert checked_value(page, question) == chosen[question.item_id]
        _tab_to(page, {"tag": "button", "value": "next"})
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{link}/page/2")

        page.goto(f"{link}/review")
        _tab_to(page, {"tag": "button", "text": "Submit your answers"})
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{link}/thanks")
        expect(page.locator("h1")).to_have_text("Thank you")
    finally:
        context.close()

    assert stored_values(live_survey.db, "partner", form) == chosen
    assert live_survey.db.record("partner").submitted_at is not None


def test_the_survey_works_without_javascript(browser: Browser, live_survey: LiveSurvey) -> None:
    form = form_of("peer")
    link = live_survey.link("peer")
    context = new_context(browser, java_script_enabled=False, **DESKTOP)
    page = context.new_page()
    try:
        page.goto(link)
        page.get_by_role("link", name="Start").click()
        expect(page).to_have_url(f"{link}/page/1")
        chosen = {}
        for index, question in enumerate(form.page(1).questions):
            chosen[question.item_id] = pick(form, index + 2)
            click_answer(page, question, chosen[question.item_id])
        page.get_by_role("button", name="Next", exact=True).click()
        expect(page).to_have_url(f"{link}/page/2")

        page.goto(f"{link}/review")
        expect(page.get_by_text(f"You have answered {len(chosen)} of")).to_be_visible()
        page.get_by_role("button", name="Submit your answers").click()
        expect(page).to_have_url(f"{link}/thanks")
        expect(page.locator("h1")).to_have_text("Thank you")
    finally:
        context.close()

    assert stored_values(live_survey.db, "peer", form) == chosen
    assert live_survey.db.record("peer").submitted_at is not None


def test_answers_saved_on_one_device_show_on_another(
    browser: Browser, live_survey: LiveSurvey
) -> None:
    form = form_of("self")
    link = live_survey.link("self")
    chosen = {}
    desktop = new_context(browser, **DESKTOP)
    try:
        page = desktop.new_page()
        page.goto(f"{link}/page/1")
        for index, question in enumerate(form.page(1).questions):
            chosen[question.item_id] = pick(form, index + 1)
            click_answer(page, question, chosen[question.item_id])
        page.get_by_role("button", name="Next", exact=True).click()
        expect(page).to_have_url(f"{link}/page/2")
    finally:
        desktop.close()

    phone = new_context(browser, **PHONE)
    try:
        page = phone.new_page()
        page.goto(link)
        answered = len(chosen)
        expect(page.get_by_text(f"You have answered {answered} of")).to_be_visible()
        page.get_by_role("link", name="Continue where you left off").click()
        expect(page).to_have_url(f"{link}/page/2")
        page.get_by_role("button", name="Back").click()
        expect(page).to_have_url(f"{link}/page/1")
        for question in form.page(1).questions:
            assert checked_value(page, question) == chosen[question.item_id]
        expect(page.locator(".progress p")).to_have_text(re.compile(rf"· {answered} of \d+"))
    finally:
        phone.close()
