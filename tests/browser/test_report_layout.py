"""The reports on a 390 px phone and the console's selection on a 1280 px screen, in Chromium.

On the phone nothing may run off the side of the page except inside a table's scrolling
wrapper, every chart shows its phone layout with text that renders at 9 px or more, and a
table wider than the screen scrolls under a first column and a caption that stay put. On a
desktop screen the reports show the wide charts. In the console, the table of people
ranked by need fits its container at 1280 px.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.pages import DESKTOP, PHONE, new_context
from browser.test_development_loop import LiveLoop, live  # noqa: F401 (the live console)
from builders import small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.jobs.person_reports import person_inputs, rated_people, wave_context
from colead.reports import render_review_html
from colead.reports.evaluation import render_evaluation_html
from colead.reports.person import render_person_html
from reports.factories import HIDDEN_SITE, build_analysed_results
from web.development_loop import EMAIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.integration]

STAMP = "2026-01-05 09:00 UTC"
#: a person rated by every kind of rater, so that the person report's bars come in many series
WELL_RATED = "P00004"
#: the smallest chart text allowed on the phone, in CSS px as rendered
SMALLEST_TEXT_PX = 9.0

#: elements that reach past either side of the viewport, outside every table wrapper
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || element.closest(".table-wrap")) continue;
    if (box.left < -0.5 || box.right > width + 0.5) {
      found.push(`${element.tagName.toLowerCase()}.${element.getAttribute("class") || ""} `
        + `${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, found};
}"""

#: every visible chart text: its rendered size (font size times the chart's scale) and
#: whether it lies inside its chart, where the chart does not cut it off
CHART_TEXT = """() => {
  const sizes = [];
  for (const text of document.querySelectorAll("svg.chart text")) {
    if (text.getClientRects().length === 0) continue;
    const chart = text.closest("svg"), scale = text.getScreenCTM();
    const box = text.getBoundingClientRect(), frame = chart.getBoundingClientRect();
    sizes.push({
      chart: chart.id,
      text: text.textContent,
      px: parseFloat(getComputedStyle(text).fontSize) * Math.hypot(scale.a, scale.b),
      inside: box.left >= frame.left - 1 && box.right <= frame.right + 1,
    });
  }
  return sizes;
}"""

#: the ids of the charts on show
VISIBLE_CHARTS = """() => [...document.querySelectorAll("svg.chart")]
  .filter((chart) => chart.getClientRects().length > 0).map((chart) => chart.id)"""

#: a wide table scrolled to its middle: where its first cell and caption sit in the wrapper
SCROLLED_TABLE = """() => {
  const wrap = [...document.querySelectorAll(".table-wrap")]
    .find((w) => w.getClientRects().length && w.scrollWidth > w.clientWidth + 40);
  if (!wrap) return null;
  const hint = (w) => getComputedStyle(w.querySelector(".caption-text"), "::after").opacity;
  const before = hint(wrap);
  wrap.scrollLeft = (wrap.scrollWidth - wrap.clientWidth) / 2;
  const frame = wrap.getBoundingClientRect();
  const first = wrap.querySelector("tbody tr > :first-child").getBoundingClientRect();
  const caption = wrap.querySelector(".caption-text").getBoundingClientRect();
  const fits = [...document.querySelectorAll(".table-wrap")]
    .find((w) => w.getClientRects().length && w.scrollWidth <= w.clientWidth);
  return {
    scrolled: wrap.scrollLeft, frameLeft: frame.left, frameRight: frame.right,
    firstLeft: first.left, captionLeft: caption.left, captionRight: caption.right,
    hint: before, hintWhenItFits: fits ? hint(fits) : null,
  };
}"""


@functools.cache
def _report_pages() -> dict[str, str]:
    """The review and evaluation reports of the simulated relationship (one site hidden),
    and the individual report of a well-rated person."""
    results = build_analysed_results(hide_site=HIDDEN_SITE)
    data = wave_data(small_simulation(11))
    analysed = analyse_wave(data, 3)
    inputs = person_inputs(data, analysed, rated_people(data), {})
    person = render_person_html(
        wave_context(analysed, data.framework), inputs[WELL_RATED], generated_at=STAMP
    )
    return {
        "review": render_review_html(results, generated_at=STAMP),
        "evaluation": render_evaluation_html(results, generated_at=STAMP),
        "person": person,
    }


def _open(page: Page, folder: Path, name: str) -> None:
    path = folder / f"{name}.html"
    path.write_text(_report_pages()[name], encoding="utf-8")
    page.goto(path.as_uri())


@pytest.mark.parametrize("name", ["review", "evaluation", "person"])
def test_reports_fit_a_phone_with_readable_charts(
    browser: Browser, tmp_path: Path, name: str
) -> None:
    context = new_context(browser, **PHONE)
    try:
        page = context.new_page()
        _open(page, tmp_path, name)
        layout = page.evaluate(OVERFLOWING)
        assert layout["found"] == [], layout
        assert layout["scrollWidth"] <= layout["width"]

        charts = page.evaluate(VISIBLE_CHARTS)
        assert charts, "the report shows no chart"
        assert all(chart.endswith("-narrow") for chart in charts), charts
        sizes = page.evaluate(CHART_TEXT)
        assert {s["chart"] for s in sizes} == set(charts)
        small = [s for s in sizes if s["px"] < SMALLEST_TEXT_PX]
        assert small == [], small[:5]
        cut = [s for s in sizes if not s["inside"]]
        assert cut == [], cut[:5]

        table = page.evaluate(SCROLLED_TABLE)
        assert table is not None, "no table is wider than the phone"
        assert table["scrolled"] > 0
        # the row headings and the caption stay in the wrapper's view while it scrolls
        assert abs(table["firstLeft"] - table["frameLeft"]) < 1
        assert table["frameLeft"] - 1 <= table["captionLeft"]
        assert table["captionRight"] <= table["frameRight"] + 1
        # the "scroll sideways" line shows under a wide table's caption, not a fitting one's
        assert table["hint"] == "1"
        assert table["hintWhenItFits"] in (None, "0")
    finally:
        context.close()


def test_reports_show_the_wide_charts_on_a_desktop(browser: Browser, tmp_path: Path) -> None:
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        _open(page, tmp_path, "review")
        charts = page.evaluate(VISIBLE_CHARTS)
        assert charts and not any(chart.endswith("-narrow") for chart in charts), charts
    finally:
        context.close()


def test_the_selection_table_fits_a_1280_px_screen(
    browser: Browser,
    live: LiveLoop,  # noqa: F811
) -> None:
    context = new_context(browser, **DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{live.base_url}/admin/")
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name=live.review).first.click()
        page.get_by_role("link", name="Selection").first.click()
        table = page.get_by_role("table", name="People ranked by need")
        expect(table).to_be_visible()
        fits = table.evaluate(
            """(table) => {
              const wrap = table.parentElement, box = table.getBoundingClientRect();
              return {table: box.right, wrap: wrap.getBoundingClientRect().right,
                      scroll: wrap.scrollWidth, client: wrap.clientWidth,
                      page: document.documentElement.scrollWidth,
                      window: document.documentElement.clientWidth};
            }"""
        )
        assert fits["scroll"] <= fits["client"], fits
        assert fits["table"] <= fits["wrap"] + 0.5, fits
        assert fits["page"] <= fits["window"], fits
    finally:
        context.close()
