"""No report shows a number without its n: every table with scores names its n, and every
chart's text alternative gives n with its values."""

from __future__ import annotations

import re
from functools import cache

import pytest

from builders import small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.jobs.person_reports import person_inputs, wave_context
from colead.reports import render_review_html
from colead.reports.evaluation import render_evaluation_html
from colead.reports.person import render_person_html
from reports.factories import build_analysed_results
from reports.html_checks import tables

# A table names its n in the caption or the header rows ("n people", "n sites", "(n = 12)").
_N = re.compile(r"\bn\b|\(n = |\bn people\b|\bforms\b|\bn raters\b", re.I)
_NUMBER = re.compile(r"^[+-]?\d+\.\d+")


@cache
def _pages() -> dict[str, str]:
    results = build_analysed_results()
    pages = {
        "review": render_review_html(results, generated_at="2026-11-29"),
        "evaluation": render_evaluation_html(results, generated_at="2026-11-29"),
    }
    data = wave_data(small_simulation(11))
    analysed = analyse_wave(data, 3)
    wave = wave_context(analysed, data.framework)
    # A well-rated person, one with two peers (folded) and one with no observers.
    people = ["P00004", "P00014", "P00002"]
    for pid, person in person_inputs(data, analysed, people, {}).items():
        pages[f"person {pid}"] = render_person_html(wave, person, generated_at="2026-11-29")
    return pages


@pytest.mark.parametrize("page", ["review", "evaluation", "person"])
def test_every_table_with_scores_names_its_n(page: str) -> None:
    assert len(_pages()) == 5
    for name, html in _pages().items():
        if not name.startswith(page):
            continue
        for caption, rows in tables(html).items():
            numeric = any(_NUMBER.match(cell) for row in rows for cell in row[1:])
            header = caption + " " + " ".join(" ".join(row) for row in rows[:2])
            assert not numeric or _N.search(header), f"{name}: {caption}"


@pytest.mark.parametrize("page", ["review", "evaluation", "person"])
def test_every_chart_gives_n_with_its_values(page: str) -> None:
    for name, html in _pages().items():
        if not name.startswith(page):
            continue
        for desc in re.findall(r'<desc id="[^"]+">(.*?)</desc>', html, re.S):
            if re.search(r"\d\.\d\d", desc):
                assert re.search(r"n = \d+|\d+ (vs \d+ )?people|of \d+ forms", desc), desc[:200]
