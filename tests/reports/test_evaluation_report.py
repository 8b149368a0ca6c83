"""The programme evaluation report: every number from the evaluation, small groups hidden."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from colead.reports.evaluation import did_plot, render_evaluation_html
from colead.reports.sections import scale_titles
from reports.factories import build_analysed_results
from reports.html_checks import check_page, row, tables


def _render(results: object) -> str:
    return render_evaluation_html(results, generated_at="2026-11-29")  # type: ignore[arg-type]


def test_the_report_shows_each_level_with_its_numbers() -> None:
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    html = _render(results)
    check_page(html)
    for heading in (
        "The short answer", "Level by level", "Behaviour: what others see",
        "Reliable change of each person", "Results: contract KPIs",
        "What can and cannot be concluded",
    ):  # fmt: skip
        assert f">{heading}</h2>" in html
    found = tables(html)
    did = found["Difference in differences: enrolled minus not enrolled change"]
    composite = ev.did.set_index("measure").loc[ev.composite]
    expected = (
        f"{composite['effect']:+.2f} [{composite['ci_low']:+.2f}, {composite['ci_high']:+.2f}]"
    )
    assert row(did, "Leadership (mean of the practices)")[1] == expected
    assert "Kirkpatrick's four levels of evaluation" in found
    # Each site's KPI table holds every site with before and after means.
    for kpi, block in ev.kpi_by_site.groupby("kpi"):
        caption = next(c for c in found if c.startswith(f"{kpi}: site means"))
        for rec in block.itertuples():
            cells = row(found[caption], str(rec.site))
            assert cells[1] == str(rec.n_people)
            assert cells[4:6] == [f"{rec.before:.2f}", f"{rec.after:.2f}"]


def test_the_difference_chart_draws_every_measure_with_its_interval() -> None:
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    titles = scale_titles(results)
    plot = did_plot(ev, titles, results.anonymity_minimum)
    assert len(plot.rows) == len(ev.did)
    html = _render(results)
    desc = re.search(r'<desc id="chart-did-desc">(.*?)</desc>', html, re.S)
    assert desc is not None
    for rec in ev.did.itertuples():
        assert f"{rec.effect:+.2f} (95% CI {rec.ci_low:+.2f} to {rec.ci_high:+.2f}" in desc.group(1)


def test_groups_below_the_minimum_show_no_values() -> None:
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    reliable = ev.reliable_change.copy()
    reliable.loc[reliable["group"] == "enrolled", "n"] = 2
    by_site = ev.kpi_by_site.copy()
    small = str(by_site["site"].iloc[0])
    by_site.loc[by_site["site"] == small, "n_people"] = 2
    did = ev.did.copy()
    did["n_treated"] = 2
    hidden = dataclasses.replace(
        results,
        evaluation=dataclasses.replace(ev, reliable_change=reliable, kpi_by_site=by_site, did=did),
    )
    html = _render(hidden)
    check_page(html)
    found = tables(html)
    assert (
        "not shown" in row(found[next(c for c in found if c.startswith("Reliable"))], "Enrolled")[1]
    )
    for caption, rows in found.items():
        if ": site means" in caption:
            assert "not shown" in row(rows, small)[1]
    assert 'id="chart-did"' in html and "No data to show." in html  # no interval is drawn
    assert "improved by more than measurement error" not in html
    assert "improved their leadership score" not in html
    assert "Too few people took part" in html or "Contract KPIs:" in html


def test_results_without_an_evaluation_are_refused() -> None:
    with pytest.raises(ValueError, match="no programme evaluation"):
        _render(build_analysed_results(wave=0))


def test_no_kpis_in_the_windows_says_results_cannot_be_evaluated_yet() -> None:
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    empty = dataclasses.replace(ev, kpi_did=pd.DataFrame(), kpi_by_site=ev.kpi_by_site.iloc[0:0])
    html = _render(dataclasses.replace(results, evaluation=empty))
    assert "cannot be evaluated yet" in html
