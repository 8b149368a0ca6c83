"""What the browser tests share: contexts, answer patterns and reading stored answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from playwright.sync_api import Browser, BrowserContext, Page

from builders import default_framework
from colead.domain import Relation
from colead.fieldwork.survey import Question, SurveyForm, build_form
from web.stored import LINKS, SurveyDatabase

#: longest wait for any one browser action or navigation, in milliseconds: generous, since
#: it only says when a page is lost (a busy machine running the suite on every core may take
#: seconds to serve one); speed is measured in bench/, not here
ACTION_TIMEOUT_MS = 20_000

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}

#: True when the focused element, or the label around it, shows an outline or a shadow
FOCUS_IS_VISIBLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return false;
  return [element, element.closest("label")].filter(Boolean).some((node) => {
    const style = getComputedStyle(node);
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outlined || style.boxShadow !== "none";
  });
}"""

#: tag, type, name, value and text of the focused element
FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), type: e.getAttribute("type") || "",
          name: e.getAttribute("name") || "", value: e.getAttribute("value") || "",
          text: (e.textContent || "").trim()};
}"""


@dataclass(frozen=True)
class LiveSurvey:
    """The survey served over HTTP, and the database behind it."""

    base_url: str
    db: SurveyDatabase

    def link(self, name: str) -> str:
        """The survey link of the form named ``name`` in ``web.stored.LINKS``."""
        return f"{self.base_url}/s/{self.db.tokens[name]}"


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    return context


def form_of(name: str) -> SurveyForm:
    """The form of the survey link named ``name`` in ``web.stored.LINKS``."""
    return build_form(default_framework(), Relation(LINKS[name][3]))


def pick(form: SurveyForm, index: int) -> str:
    """A different answer for each question in turn, "not observed" included."""
    return form.choices[index % len(form.choices)].value


def click_answer(page: Page, question: Question, value: str) -> None:
    """Choose an answer by clicking (or tapping) its label, as a rater would."""
    page.locator(f'label[for="{question.item_id}-{value}"]').click()


def checked_value(page: Page, question: Question) -> str | None:
    """The value of the question's checked radio button (None when none is checked)."""
    for radio in page.locator(f'input[type="radio"][name="{question.item_id}"]').all():
        if radio.is_checked():
            return radio.get_attribute("value")
    return None


def stored_values(db: SurveyDatabase, name: str, form: SurveyForm) -> dict[str, str]:
    """Question id -> form value of every answered question, as the store holds them."""
    record = db.record(name)
    assert record.codes is not None, f"nothing is stored for the {name!r} link"
    codes = np.frombuffer(record.codes, dtype=np.int8)
    by_code = {choice.code: choice.value for choice in form.choices}
    return {
        q.item_id: by_code[int(codes[q.position])]
        for q in form.questions
        if int(codes[q.position]) in by_code
    }
