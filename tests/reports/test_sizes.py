"""Reports of the simulator's medium review: many sites, three organisations."""

from __future__ import annotations

import pytest

from colead.analysis.review import analyse_with_baseline
from colead.framework import load_framework
from colead.reports import render_review_html
from colead.reports.evaluation import render_evaluation_html
from colead.reports.tables import SITES_PER_TABLE
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data
from reports.html_checks import check_page, tables

pytestmark = pytest.mark.integration


def test_a_medium_review_renders_with_its_sites_split_over_tables() -> None:
    framework = load_framework()
    simulated = simulate(framework, "medium", seed=2)
    results = analyse_with_baseline(
        simulated_wave_data(simulated, 1, framework),
        simulated_wave_data(simulated, 0, framework),
        3,
        enrolments=simulated.enrolments,
        kpis=simulated.kpis,
    )
    assert results.n_sites == 24 and results.n_organisations == 3
    html = render_review_html(results, generated_at="2026-11-29")
    check_page(html)
    systems = [c for c in tables(html) if c.startswith("Systems and structures")]
    assert len(systems) == 3 and systems[0].endswith(f"(sites 1–{SITES_PER_TABLE} of 24)")
    evaluation = render_evaluation_html(results, generated_at="2026-11-29")
    check_page(evaluation)
    assert "Results: contract KPIs" in evaluation
