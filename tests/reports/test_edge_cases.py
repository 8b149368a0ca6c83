"""Reports of awkward reviews: one site, no KPIs, one wave, tiny rater groups."""

from __future__ import annotations

import dataclasses
from functools import cache

from colead.analysis import analyse_wave
from colead.analysis.programme import evaluate_programme
from colead.analysis.results import ReviewResults
from colead.analysis.review import compare_with_baseline
from colead.framework import load_framework
from colead.reports import render_review_html
from colead.reports.evaluation import render_evaluation_html
from colead.reports.next_steps import next_steps
from colead.reports.summary import executive_summary
from colead.simulation.review import SizeSpec, simulate
from colead.simulation.wave_data import simulated_wave_data
from reports.html_checks import check_page

ONE_SITE = SizeSpec(people=40, sites=1, organisations=2, periods=8)


@cache
def _one_site(kpis: bool) -> tuple[ReviewResults, ReviewResults]:
    framework = load_framework()
    sim = simulate(framework, ONE_SITE, seed=5)
    data = [simulated_wave_data(sim, w, framework) for w in (0, 1)]
    waves = [analyse_wave(d, 3, kpis=sim.kpis if kpis else None) for d in data]
    waves[1] = compare_with_baseline(waves[1], data[1], data[0], 3)
    evaluation = evaluate_programme(
        waves[0].person_scores.observer_means,
        waves[1].person_scores.observer_means,
        baseline_wave=waves[0].wave,
        follow_up_wave=waves[1].wave,
        people=sim.people,
        enrolments=sim.enrolments,
        composite_scales=[s.id for s in waves[0].scales_of("leadership")],
        reliability=0.9,
        kpis=sim.kpis if kpis else None,
    )
    return waves[0], dataclasses.replace(waves[1], evaluation=evaluation)


def test_one_site_without_kpis_renders_every_report() -> None:
    baseline, follow_up = _one_site(kpis=False)
    assert baseline.n_sites == 1 and baseline.linkage is None
    for results in (baseline, follow_up):
        html = render_review_html(results, generated_at="2026-11-29")
        check_page(html)
        assert "Sites differ" not in " ".join(f.text for f in executive_summary(results))
        assert next_steps(results)
    html = render_evaluation_html(follow_up, generated_at="2026-11-29")
    check_page(html)
    assert "cannot be evaluated yet" in html


def test_one_site_with_kpis_keeps_site_results_exploratory() -> None:
    _, follow_up = _one_site(kpis=True)
    html = render_evaluation_html(follow_up, generated_at="2026-11-29")
    check_page(html)
    assert "What can and cannot be concluded" in html
    assert "With only 1 site, site-level results" in html
