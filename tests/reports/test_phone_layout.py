"""The reports on a phone: the charts' narrow layouts and the tables' scrolling wrappers.

Each chart is drawn twice, narrow then wide; the narrow one must fit 400 px with text of
10 px or more (9 px or more once shrunk onto a 390 px phone), keep its text inside the
drawing, and say exactly what the wide one says. Tables sit in a wrapper that scrolls and
takes the keyboard focus, named after the table's caption.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from colead.reports import render_review_html, svg
from colead.reports.chart_specs import (
    NO_DATA,
    BarSeries,
    Chart,
    ColumnGroup,
    GroupedBars,
    HeatCell,
    Heatmap,
    HeatRow,
    Interval,
    IntervalPlot,
    QuadrantPlot,
    QuadrantPoint,
    RateBar,
    RateBars,
    ScatterPlot,
)
from colead.reports.charts import render_chart, wide_chart
from colead.reports.narrow_charts import NARROW_WIDTH, narrow_chart
from reports.factories import build_review_results
from reports.html_checks import tables

PRACTICES = (
    "Role model the way",
    "Inspire a collaborative vision",
    "Challenge the status quo",
    "Enable the collaborative team",
    "Encourage others",
)
MANAGEMENT = (
    "Plan and organise",
    "Run agreed joint processes and governance",
    "Monitor performance and act",
    "Ensure competence",
    "Maintain practices, risk and compliance",
)
SITES = ("Brisbane", "Denver", "Leeds", "Lyon", "Monterrey", "Rotterdam", "Singapore", "Toronto")
#: the value a hidden heatmap cell carries, as a careless caller might leave it
LEAKED = 4.44
#: the narrowest a 390 px phone shows a chart: the page's 0.75rem margins taken off
PHONE_COLUMN_PX = 366.0
#: bold glyphs run wider than the 0.56 em that svg.text_width assumes
BOLD_WIDTH = 1.15


def _point(k: int, site: str) -> QuadrantPoint:
    return QuadrantPoint(site, 3.0 + 0.13 * k, 2.8 + 0.17 * ((k * 5) % 8), 20 + 3 * k)


SPECS: dict[str, Chart] = {
    "bars": GroupedBars(
        "Leadership practices: you and your raters",
        PRACTICES,
        (
            BarSeries("You", (4.0, 3.5, math.nan, 2.5, 5.0), (1, 1, 1, 1, 1)),
            BarSeries("Line manager", (3.25, 3.0, 4.5, 2.0, 3.75), (1, 1, 1, 1, 1)),
            BarSeries("Others (combined)", (3.57, 3.38, 3.48, 2.83, 3.32), (9, 9, 9, 8, 9)),
            BarSeries("All observers", (3.62, 3.37, 3.43, 2.77, 3.29), (10, 10, 10, 9, 10)),
        ),
        1, 5, "Mean score (1 to 5)",
    ),
    "heatmap": Heatmap(
        "Practices by site",
        tuple(
            HeatRow(site, tuple(
                HeatCell(LEAKED, 2, shown=False) if site == "Monterrey"
                else HeatCell(2.5 + 0.1 * ((k + c) % 20), 20 + k)
                for c in range(10)
            ))
            for k, site in enumerate(SITES)
        ),
        (ColumnGroup("Collaborative leadership", PRACTICES),
         ColumnGroup("Collaborative management", MANAGEMENT)),
        1, 5,
    ),
    "quadrant": QuadrantPlot(
        "System and passion by site", tuple(_point(k, s) for k, s in enumerate(SITES)), 3.5, 1, 5,
        "System: mean of management practices", "Passion: mean of leadership practices",
        ("Passion without system", "Passion and system", "Neither passion nor system",
         "System without passion"),
    ),
    "rates": RateBars(
        "Response rate by relation",
        (RateBar("Self", 285, 300), RateBar("Line manager", 252, 297),
         RateBar("Peers", 992, 1190), RateBar("Partner organisation", 657, 746),
         RateBar("Others", 0, 0)),
    ),
    "intervals": IntervalPlot(
        "How much more enrolled people changed than others",
        tuple(Interval(p, 0.3 + 0.02 * k, 0.25, 0.4 + 0.01 * k, "66 vs 234 people")
              for k, p in enumerate((*PRACTICES, "Leadership (mean of the practices)"))),
        "Difference in change of the observer score, scale points",
    ),
    "scatter": ScatterPlot(
        "On-time delivery (%) against site leadership, 2025-Q4",
        tuple(_point(k, s) for k, s in enumerate(SITES)),
        "Site mean of the leadership practices (observers)", "On-time delivery (%)",
        line=(1.0, 0.6),
    ),
}  # fmt: skip


def _parse(drawing: str) -> ET.Element:
    return ET.fromstring(drawing)


def _viewbox_width(root: ET.Element) -> float:
    return float(root.attrib["viewBox"].split()[2])


def _tips(root: ET.Element) -> list[str]:
    """The tooltip of every drawn value: what the chart says, one string per mark."""
    return sorted(t.text or "" for g in root.iter("g") for t in g.findall("title"))


@pytest.mark.parametrize("name", SPECS)
def test_each_chart_comes_narrow_then_wide(name: str) -> None:
    spec = SPECS[name]
    drawn = render_chart(spec, chart_id=f"chart-{name}")
    narrow, wide = (
        narrow_chart(spec, chart_id=f"chart-{name}"),
        wide_chart(spec, chart_id=f"chart-{name}"),
    )
    assert drawn == f"{narrow}\n{wide}"
    assert narrow.startswith(f'<svg class="chart narrow" id="chart-{name}-narrow" ')
    assert wide.startswith(f'<svg class="chart" id="chart-{name}" ')
    ids = re.findall(r'\bid="([^"]+)"', drawn)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", SPECS)
def test_the_narrow_layout_fits_a_phone_with_text_of_10_px_or_more(name: str) -> None:
    root = _parse(narrow_chart(SPECS[name], chart_id=name))
    width = _viewbox_width(root)
    assert width <= NARROW_WIDTH
    assert _viewbox_width(_parse(wide_chart(SPECS[name], chart_id=name))) > width
    default = float(root.attrib["font-size"])
    sizes = [float(t.attrib.get("font-size", default)) for t in root.iter("text")]
    assert len(sizes) > 10
    # shrunk from its width onto the phone's column, the smallest text still reads at 9 px
    assert min(sizes) >= 10
    assert min(sizes) * PHONE_COLUMN_PX / NARROW_WIDTH >= 9


@pytest.mark.parametrize("name", SPECS)
def test_the_narrow_layout_keeps_its_text_inside_the_drawing(name: str) -> None:
    root = _parse(narrow_chart(SPECS[name], chart_id=name))
    width = _viewbox_width(root)
    default = float(root.attrib["font-size"])
    for text in root.iter("text"):
        if "transform" in text.attrib:
            continue  # the turned axis titles run along the height
        size = float(text.attrib.get("font-size", default))
        extent = svg.text_width(text.text or "", size)
        if text.attrib.get("font-weight"):
            extent *= BOLD_WIDTH
        x = float(text.attrib["x"])
        anchor = text.attrib.get("text-anchor", "start")
        left = {"start": x, "middle": x - extent / 2, "end": x - extent}[anchor]
        assert left >= -1 and left + extent <= width + 1, (text.text, left, left + extent)


@pytest.mark.parametrize("name", SPECS)
def test_the_narrow_layout_says_what_the_wide_one_says(name: str) -> None:
    narrow = _parse(narrow_chart(SPECS[name], chart_id=name))
    wide = _parse(wide_chart(SPECS[name], chart_id=name))
    descriptions = [root.find("desc") for root in (narrow, wide)]
    assert descriptions[0] is not None and descriptions[1] is not None
    assert descriptions[0].text == descriptions[1].text
    assert narrow.attrib["aria-label"] == wide.attrib["aria-label"]
    assert _tips(narrow) == _tips(wide) and _tips(narrow)


def test_a_hidden_heatmap_cell_shows_no_value_in_the_narrow_layout() -> None:
    drawn = narrow_chart(SPECS["heatmap"], chart_id="sites")
    assert f"{LEAKED:.2f}" not in drawn
    assert drawn.count("Monterrey, ") == 10  # each of its cells is there, hatched
    assert "Monterrey, Role model the way: not shown (fewer than 3 people)" in drawn


@pytest.mark.parametrize(
    "empty",
    [
        GroupedBars("Bars", (), (), 1, 5, "Score"),
        Heatmap("Sites", (), (), 1, 5),
        QuadrantPlot("Quadrant", (), 3.5, 1, 5, "System", "Passion", ("a", "b", "c", "d")),
        RateBars("Rates", ()),
        IntervalPlot("Change", (), "Difference"),
        ScatterPlot("KPI", (), "Leadership", "KPI"),
    ],
)
def test_an_empty_chart_says_so_in_both_layouts(empty: Chart) -> None:
    narrow, wide = render_chart(empty, chart_id="empty").split("\n<svg", 1)
    assert NO_DATA in narrow and NO_DATA in wide
    assert _viewbox_width(_parse(narrow)) <= NARROW_WIDTH


def test_long_words_break_into_even_hyphenated_pieces() -> None:
    assert svg.wrap("Inspire a collaborative vision", 10, 5, break_words=True) == [
        "Inspire a",
        "collabo-",
        "rative",
        "vision",
    ]
    assert svg.wrap("compliance, risk", 8, 5, break_words=True) == ["compli-", "ance,", "risk"]
    assert svg.wrap("Inspire a collaborative vision", 10, 5) == [
        "Inspire a",
        "collaborative",
        "vision",
    ]
    for text in (*PRACTICES, *MANAGEMENT):
        lines = svg.wrap(text, 9, 8, break_words=True)
        assert all(len(line) <= 9 for line in lines), lines
        assert "".join(lines).replace("-", "").replace(" ", "") == text.replace(" ", "").replace(
            "-", ""
        )


def test_report_tables_scroll_in_a_focusable_region_named_by_their_caption() -> None:
    html = render_review_html(build_review_results(), generated_at="2024-06-11 09:00 UTC")
    wrappers = re.findall(
        r'<div class="table-wrap" tabindex="0" role="region" aria-label="([^"]*)">\s*<table\b'
        r'[^>]*>\s*<caption><span class="caption-text">([^<]*)</span></caption>',
        html,
    )
    assert len(wrappers) == html.count('<div class="table-wrap"') == len(tables(html)) > 5
    assert all(label == caption and label for label, caption in wrappers)


def test_report_charts_sit_narrow_right_before_wide() -> None:
    # the style sheet hides a wide chart on a phone by the narrow one just before it
    html = render_review_html(build_review_results(), generated_at="2024-06-11 09:00 UTC")
    wide = re.findall(r'<svg class="chart" id="([^"]+)"', html)
    assert wide
    for chart_id in wide:
        narrow = rf'<svg class="chart narrow" id="{chart_id}-narrow"'
        # no other drawing in between: the wide one follows the narrow one's end
        pair = narrow + rf'(?:(?!<svg\b).)*</svg>\s*<svg class="chart" id="{chart_id}"'
        assert re.search(pair, html, flags=re.S), chart_id
