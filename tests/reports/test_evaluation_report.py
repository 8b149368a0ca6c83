"""The programme evaluation report: every number from the evaluation, small groups hidden."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pandas as pd
import pytest

from colead.analysis.kirkpatrick import kirkpatrick_summary
from colead.analysis.programme import UnitValue, evaluate_programme, programme_roi
from colead.analysis.programme_roi import ADJUSTED_SITE_METHOD
from colead.analysis.results import ReviewResults
from colead.analysis.roi import ProgrammeCosts
from colead.reports.evaluation import did_plot, render_evaluation_html
from colead.reports.sections import scale_titles
from reports.factories import LEADERSHIP_SCALES, build_analysed_results
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
    did = found[
        "Programme effect: enrolled minus not enrolled, adjusted for the baseline score "
        "(ANCOVA) and unadjusted (difference in differences)"
    ]
    composite = ev.did.set_index("measure").loc[ev.composite]
    adjusted = (
        f"{composite['adjusted_effect']:+.2f} [{composite['adjusted_ci_low']:+.2f}, "
        f"{composite['adjusted_ci_high']:+.2f}]"
    )
    unadjusted = (
        f"{composite['effect']:+.2f} [{composite['ci_low']:+.2f}, {composite['ci_high']:+.2f}]"
    )
    cells = row(did, "Leadership (mean of the practices)")
    assert cells[1] == adjusted and cells[3] == unadjusted
    # every KPI is named with its direction, estimate and Holm verdict
    kpis = found[
        "Contract KPIs: change at high-enrolment sites against the other sites, in KPI units "
        "signed so that positive = better"
    ]
    for rec in ev.kpi_did.itertuples():
        direction = "higher is better" if rec.higher_is_better else "lower is better"
        cells = row(kpis, f"{rec.kpi} ({direction})")
        assert cells[4] == (
            f"{rec.adjusted_effect:+.2f} [{rec.adjusted_ci_low:+.2f}, {rec.adjusted_ci_high:+.2f}]"
        )
        assert cells[6] == rec.verdict
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
    # the chart draws the baseline-adjusted effect, the report's primary estimate
    for rec in ev.did.itertuples():
        assert (
            f"{rec.adjusted_effect:+.2f} (95% CI {rec.adjusted_ci_low:+.2f} to "
            f"{rec.adjusted_ci_high:+.2f}"
        ) in desc.group(1)


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


# ---------------------------------------------------------------------------- ROI (level 5)


def _with_roi(values: tuple[UnitValue, ...], costs: ProgrammeCosts | None) -> ReviewResults:
    """The analysed results with the ROI the evaluation would carry for these inputs."""
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    roi, currency, notes = programme_roi(ev.kpi_did, values, costs)
    threaded = dataclasses.replace(
        ev, roi=roi, roi_currency=currency, roi_notes=notes, kpi_values=values, costs=costs
    )
    return dataclasses.replace(results, evaluation=threaded)


ON_TIME = "On-time delivery (%)"
COSTS = ProgrammeCosts(cost_per_participant=1_850.0, participants=66, other_costs=24_000.0)


def test_the_roi_section_shows_benefits_costs_ratio_and_return_with_their_range() -> None:
    values = (UnitValue(ON_TIME, 20_000.0, "GBP", 4.0, "contract penalty schedule"),)
    results = _with_roi(values, COSTS)
    ev = results.evaluation
    assert ev is not None and ev.roi is not None
    html = _render(results)
    check_page(html)
    assert ">Return on investment (Phillips level 5)</h2>" in html
    found = tables(html)
    # by hand from the KPI table (Phillips & Phillips 2005: BCR = B / C, ROI = (B − C) / C)
    did = ev.kpi_did.set_index("kpi").loc[ON_TIME]
    benefit = did["estimate"] * did["n_treated"] * 4 * 20_000
    costs = 1_850 * 66 + 24_000
    headline = found[
        "Return on investment (GBP): point value and range from the KPIs' 95% confidence "
        "intervals (not a return to quote: see above)"
    ]
    assert row(headline, "Benefits")[1] == f"GBP {benefit:,.0f}"
    assert row(headline, "Fully loaded costs")[1] == f"GBP {costs:,.0f}"
    assert row(headline, "Net benefit")[1] == f"GBP {benefit - costs:,.0f}"
    assert row(headline, "Benefit–cost ratio (BCR)")[1] == f"{benefit / costs:.2f} : 1"
    roi_low = (did["estimate_ci_low"] * did["n_treated"] * 4 * 20_000 - costs) / costs * 100
    roi_high = (did["estimate_ci_high"] * did["n_treated"] * 4 * 20_000 - costs) / costs * 100
    assert row(headline, "Return on investment (ROI)")[1:] == [
        f"{(benefit - costs) / costs * 100:.0f}%",
        f"{roi_low:.0f}% to {roi_high:.0f}%",
    ]
    per_kpi = found["Benefits per KPI: improvement per site × sites × periods × value per unit"]
    cells = row(per_kpi, ON_TIME)
    assert cells[2:6] == ["GBP 20,000.00", str(did["n_treated"]), "4", f"GBP {benefit:,.0f}"]
    assert cells[7] == "contract penalty schedule"
    cost_rows = found["Fully loaded programme costs (GBP)"]
    assert row(cost_rows, "Per participant")[1:] == ["GBP 1,850 × 66 enrolled", "GBP 122,100"]
    assert row(cost_rows, "Fully loaded costs")[2] == f"GBP {costs:,.0f}"
    text = unescape(re.sub(r"\s+", " ", html))
    assert f"Isolation method: {ADJUSTED_SITE_METHOD}" in text
    assert "The range reflects the uncertainty of the KPI changes only" in text
    assert "intangible benefits" in text
    assert "With 8 sites, treat the return as exploratory." in text
    # 8 sites: the short answer gives no figure to quote, only the range (Phillips' standards)
    assert "Return on investment: cannot be determined, because " in text
    assert f"could lie anywhere from {roi_low:.0f}% to {roi_high:.0f}%" in text
    assert f"Return on investment: {(benefit - costs) / costs * 100:.0f}%" not in text


def test_without_values_the_roi_section_says_how_to_enter_them() -> None:
    results = _with_roi((), COSTS)
    html = _render(results)
    check_page(html)
    text = re.sub(r"\s+", " ", html)
    assert ">Return on investment (Phillips level 5)</h2>" in html
    assert "No money value per KPI unit has been entered." in text
    assert f"colead roi value set --review &#34;{results.review}&#34; --kpi &#34;KPI&#34;" in text
    assert "console&#39;s evaluation page" in text
    isolated = re.search(r"KPIs whose change was isolated: ([^.]*)\.", text)
    assert isolated is not None and ON_TIME in isolated.group(1).split("; ")
    assert "Benefits per KPI" not in text and "Return on investment: " not in text


def test_the_kirkpatrick_table_shows_reaction_and_hides_it_below_the_minimum() -> None:
    results = build_analysed_results()
    ev = results.evaluation
    assert ev is not None
    shown = dataclasses.replace(
        ev, kirkpatrick=(kirkpatrick_summary(reaction=[4.0, 5.0, 3.0])[0], *ev.kirkpatrick[1:])
    )
    html = _render(dataclasses.replace(results, evaluation=shown))
    level = row(tables(html)["Kirkpatrick's four levels of evaluation"], "1 Reaction")
    assert level[1:3] == ["yes", "reported"] and "mean 4.00" in level[3]
    observer = results.person_scores.observer_means
    hidden_ev = evaluate_programme(
        observer, observer, baseline_wave="a", follow_up_wave="b",
        people=pd.DataFrame({"person_id": observer.index.astype(str), "site": "North"}),
        enrolments=pd.DataFrame({"person_id": observer.index[:10].astype(str), "completed": True}),
        composite_scales=LEADERSHIP_SCALES, reliability=0.9, reaction=[4.0, 5.0],
        reaction_minimum=results.anonymity_minimum,
    )  # fmt: skip
    html = _render(dataclasses.replace(results, evaluation=hidden_ev))
    level = row(tables(html)["Kirkpatrick's four levels of evaluation"], "1 Reaction")
    assert level[2] == "not shown" and "4.50" not in level[3]
