"""The report's sections on measurement, benchmark, titles, self-other, competences, KPI
linkage and the programme evaluation, rendered from the real engine's results."""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import pandas as pd
import pytest

from colead.analysis.results import Profile, ReviewResults
from colead.reports import render_review_html
from colead.reports.sections import EXPLORATORY, SYNTHETIC_BANNER, competence_title, ordinal
from reports.factories import HIDDEN_SITE, build_analysed_results, build_review_results
from reports.html_checks import check_page, row, tables

STAMP = "2024-06-11 09:00 UTC"
HEADINGS = {
    "benchmark": "Compared with the benchmark",
    "competences": "Collaborative leader competences",
    "title": "A title does not make a leader",
    "self-other": "How people see themselves",
    "linkage": "Leadership and contract results",
    "programme": "Did the programme change anything?",
    "measurement": "How well the survey measured",
}


@functools.cache
def _results() -> ReviewResults:
    return build_review_results(analysed=True)


@functools.cache
def _html() -> str:
    return render_review_html(_results(), generated_at=STAMP)


def _render(results: ReviewResults) -> str:
    return render_review_html(results, generated_at=STAMP)


def _title(results: ReviewResults, scale_id: str) -> str:
    return next(s.title for s in results.scales if s.id == scale_id)


def test_every_new_section_has_heading_and_nav_link() -> None:
    html = _html()
    for section_id, heading in HEADINGS.items():
        assert f'<h2 id="{section_id}-h">{heading}</h2>' in html
        assert f'<a href="#{section_id}">' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_new_page_is_well_formed_and_self_contained() -> None:
    check_page(_html())
    results = _results()
    assert results.linkage_points is not None
    scatters = results.linkage_points["kpi"].nunique()  # one scatter per KPI
    # every chart comes twice: its phone layout, then its wide one
    assert len(re.findall(r"<svg\b", _html())) == 2 * (4 + scatters)


def test_measurement_numbers_with_their_n_and_plain_sentences() -> None:
    results, html = _results(), _html()
    assert results.measurement is not None
    assert "how consistently the items of a practice measure the same thing" in html
    assert "whether site means are reliable enough to compare" in html
    assert "how much a person&#39;s raters agree; 0.70 or more is agreement" in html
    found = tables(html)
    reliability = found["Consistency of the items: Cronbach's alpha and McDonald's omega, n forms"]
    rec = results.measurement.reliability.iloc[0]
    cells = row(reliability, _title(results, rec["scale_id"]))
    assert cells[1:5] == [
        str(rec["n"]),
        str(rec["k"]),
        f"{rec['alpha']:.2f} [{rec['ci_low']:.2f}, {rec['ci_high']:.2f}]",
        f"{rec['omega']:.2f}",
    ]
    icc = found["Differences between sites: ICC(1) and ICC(2) of people within sites"]
    rec = results.measurement.site_variability.iloc[0]
    cells = row(icc, _title(results, rec["scale_id"]))
    assert cells[1:5] == [
        str(rec["sites"]),
        str(rec["n"]),
        f"{rec['icc1']:.2f}",
        f"{rec['icc2']:.2f}",
    ]
    assert cells[-1] == rec["verdict"]
    rwg = found["Agreement among each person's raters: rwg(j), n people with a value"]
    rec = results.measurement.agreement_summary.iloc[0]
    assert row(rwg, _title(results, rec["scale_id"]))[1:3] == [
        str(rec["n_people"]),
        f"{rec['median_rwg']:.2f}",
    ]


def test_alpha_below_70_is_flagged_in_words() -> None:
    results = _results()
    assert results.measurement is not None
    # The simulated scales are calibrated to reach 0.70, as published 360s do: weaken one.
    rel = results.measurement.reliability.copy()
    last = rel.index[-1]
    rel.loc[last, ["alpha", "ci_low", "ci_high"]] = [0.55, 0.48, 0.61]
    html = _render(replace(results, measurement=replace(results.measurement, reliability=rel)))
    weak, good = rel[rel["alpha"] < 0.7].iloc[0], rel[rel["alpha"] >= 0.7].iloc[0]
    rows = tables(html)["Consistency of the items: Cronbach's alpha and McDonald's omega, n forms"]
    assert row(rows, _title(results, weak["scale_id"]))[-1] == "below 0.70: read with care"
    assert row(rows, _title(results, good["scale_id"]))[-1] == "good"
    assert f"{int((rel['alpha'] >= 0.7).sum())} of {len(rel)} scales reach 0.70." in html


def test_benchmark_percentile_and_band_in_words_with_synthetic_banner() -> None:
    results, html = _results(), _html()
    bench = results.benchmark_by_site
    assert bench is not None and results.norms_synthetic
    assert html.count(SYNTHETIC_BANNER) == 1
    caption = "Collaborative leadership practices by site: percentile and band (synthetic norms)"
    rows = tables(html)[caption]
    words = {"low": "below par", "middle": "typical", "high": "above par"}
    for rec in bench[bench["scale_id"] == "model"].to_dict("records"):
        cells = row(rows, rec["group"])
        assert cells[1] == str(rec["n_people"])
        assert cells[2] == f"{ordinal(rec['percentile'])}, {words[rec['band']]}"
    low = bench[(bench["scale_id"] == "model") & (bench["band"] == "low")]
    n_sites = bench["group"].nunique()
    assert f"Role model the way {len(low)} of {n_sites}" in html
    assert "Below par in most leadership practice areas: Rotterdam (4 of 5)." in html


def test_no_banner_when_norms_are_real() -> None:
    html = _render(build_analysed_results(norms_synthetic=False))
    assert "Compared with the benchmark" in html
    assert "synthetic" not in html.lower()


def test_title_vs_leading_table_and_counts_in_words() -> None:
    results, html = _results(), _html()
    t = results.title_vs_leading
    assert t is not None
    assert f"{t.leading_without_title} of {t.n_untitled} people without a leadership title" in html
    assert f"{t.title_without_leading} of {t.n_titled} people with a title" in html
    rows = tables(html)[
        "People leading, by level: n people and share whose observers see them leading"
    ]
    front = t.by_level[t.by_level["level"] == 5].iloc[0]
    assert row(rows, "5 Front line")[1:] == [
        str(front["n_people"]),
        f"{100 * front['n_leading'] / front['n_people']:.0f}% "
        f"({front['n_leading']} of {front['n_people']})",
    ]


def test_title_vs_leading_hides_small_levels() -> None:
    results = _results()
    assert results.title_vs_leading is not None
    by_level = results.title_vs_leading.by_level.copy()
    by_level.loc[by_level["level"] == 1, ["n_people", "n_leading", "shown"]] = [2, 1, False]
    tvl = replace(results.title_vs_leading, by_level=by_level)
    rows = tables(_render(replace(results, title_vs_leading=tvl)))[
        "People leading, by level: n people and share whose observers see them leading"
    ]
    assert row(rows, "1 Executive")[1:] == ["not shown (fewer than 3 people)"]


def test_self_other_counts_only() -> None:
    results, html = _results(), _html()
    assert results.self_other is not None
    rec = results.self_other.counts.iloc[0]
    rows = tables(html)[
        "Self and others: people with a blind spot, a hidden strength or aligned, n people"
    ]
    cells = row(rows, _title(results, rec["scale_id"]))
    assert cells[1] == str(rec["n_people"])
    assert cells[2].endswith(f"({rec['blind_spot']} of {rec['n_people']})")
    assert "nobody is named in this report" in html
    ratee = str(results.person_scores.table["ratee_id"].iloc[0])
    assert f">{ratee}<" not in html


def test_competences_with_titles_and_reconstruction_note() -> None:
    results, html = _results(), _html()
    assert results.competences_by_site is not None
    assert competence_title("open_to_sharing") == "Open to sharing"
    assert "documented reconstruction of the ICW/WBS mapping" in html
    rows = tables(html)["Collaborative leader competences by site: mean score, n people"]
    table = results.competences_by_site.table
    rec = table[table["scale_id"] == "strategic_thinking"].iloc[0]
    column = rows[0].index(rec["group"])
    assert row(rows, "n people")[column] == str(rec["n_people"])
    assert row(rows, "Strategic thinking")[column] == f"{rec['mean']:.2f}"


def test_linkage_table_per_kpi_with_ci_and_exploratory_caution() -> None:
    results, html = _results(), _html()
    linkage = results.linkage
    assert linkage is not None and linkage["exploratory"].all()
    assert html.count(EXPLORATORY) == 1
    rec = linkage.iloc[0]
    rows = tables(html)[f"{rec['kpi']}: site-level correlation with leadership, n sites"]
    cells = row(rows, f"Same period ({rec['period']})")
    r = f"{rec['pearson_r']:.2f} [{rec['pearson_ci_low']:.2f}, {rec['pearson_ci_high']:.2f}]"
    assert cells[1:3] == [str(rec["n_sites"]), r]
    assert cells[-1].startswith(f"{rec['spearman_rho']:.2f} [")
    assert rec["note"][1:] in html


def test_no_caution_when_enough_sites() -> None:
    results = _results()
    assert results.linkage is not None
    html = _render(replace(results, linkage=results.linkage.assign(exploratory=False, note="")))
    assert "Leadership and contract results" in html
    assert EXPLORATORY not in html


def test_repeated_rows_show_the_mixed_model_slope() -> None:
    results = build_analysed_results(wave=0)
    assert results.linkage is not None and results.evaluation is None
    html = _render(results)
    rec = results.linkage[results.linkage["lag"] == "repeated"].iloc[0]
    rows = tables(html)[f"{rec['kpi']}: site-level correlation with leadership, n sites"]
    cells = row(rows, f"All periods ({rec['period']})")
    assert cells[2] == (
        f"slope {rec['pearson_r']:+.2f} [{rec['pearson_ci_low']:+.2f}, "
        f"{rec['pearson_ci_high']:+.2f}]"
    )
    assert "Next period (" in html
    assert "Did the programme change anything?" not in html


def test_programme_evaluation_tables_and_conclusion() -> None:
    results, html = _results(), _html()
    ev = results.evaluation
    assert ev is not None
    found = tables(html)
    did = found[
        "Programme effect: enrolled minus not enrolled, adjusted for the baseline score "
        "(ANCOVA) and unadjusted (difference in differences)"
    ]
    rec = ev.did[ev.did["measure"] == ev.composite].iloc[0]
    cells = row(did, "Leadership (mean of the practices)")
    assert cells[1:] == [
        f"{rec['adjusted_effect']:+.2f} [{rec['adjusted_ci_low']:+.2f}, "
        f"{rec['adjusted_ci_high']:+.2f}]",
        "< 0.001",
        f"{rec['effect']:+.2f} [{rec['ci_low']:+.2f}, {rec['ci_high']:+.2f}]",
        str(rec["n_treated"]),
        str(rec["n_control"]),
        str(rec["n_clusters"]),
    ]
    assert "regression to the mean" in html
    change = found[
        f"Mean observer score at {ev.baseline_wave} (before) and {ev.follow_up_wave} (after)"
    ]
    enrolled = ev.change[(ev.change["measure"] == "model") & (ev.change["group"] == "enrolled")]
    assert row(change, "Role model the way")[1] == str(enrolled["n"].iloc[0])
    rci = found["Reliable change in the leadership score, n people"]
    rec = ev.reliable_change.iloc[0]
    assert row(rci, "Enrolled")[1:3] == [
        str(rec["n"]),
        f"{100 * rec['improved'] / rec['n']:.0f}% ({rec['improved']} of {rec['n']})",
    ]
    kpi = found[
        "Contract KPIs: change at high-enrolment sites against the other sites, in KPI units "
        "signed so that positive = better"
    ]
    rec = ev.kpi_did.iloc[0]
    direction = "higher is better" if rec["higher_is_better"] else "lower is better"
    cells = row(kpi, f"{rec['kpi']} ({direction})")
    assert cells[3].startswith(f"{rec['effect']:+.2f} [")
    assert cells[4].startswith(f"{rec['adjusted_effect']:+.2f} [") and cells[6] == rec["verdict"]
    assert f"from {ev.pre_periods[0]} to {ev.pre_periods[-1]} (before the" in html
    levels = found["Kirkpatrick's four levels of evaluation"]
    assert [r[0] for r in levels[1:]] == ["1 Reaction", "2 Learning", "3 Behaviour", "4 Results"]
    assert "Enrolment was not random" in html
    assert "With only 8 sites" in html


def test_programme_groups_below_minimum_show_no_values() -> None:
    results = _results()
    assert results.evaluation is not None
    change = results.evaluation.change.copy()
    small = change["group"] == "enrolled"
    change.loc[small, "n"] = 2
    change.loc[small, "mean_pre"] = 4.37
    evaluation = replace(results.evaluation, change=change)
    html = _render(replace(results, evaluation=evaluation))
    ev = evaluation
    rows = tables(html)[
        f"Mean observer score at {ev.baseline_wave} (before) and {ev.follow_up_wave} (after)"
    ]
    assert row(rows, "Role model the way")[1] == "not shown (fewer than 3 people)"
    assert "4.37" not in html


def test_hidden_site_shows_no_values_in_any_new_section() -> None:
    honest = _render(build_analysed_results(hide_site=HIDDEN_SITE))
    assert "4.37" not in _html() and "4.37" not in honest
    html = _render(build_analysed_results(hide_site=HIDDEN_SITE, leak_hidden_value=4.37))
    assert "4.37" not in html
    check_page(html)
    found = tables(html)
    competences = found["Collaborative leader competences by site: mean score, n people"]
    assert HIDDEN_SITE not in competences[0]
    assert f"Not shown (fewer than 3 people): {HIDDEN_SITE}." in html
    caption = "Collaborative leadership practices by site: percentile and band (synthetic norms)"
    assert row(found[caption], HIDDEN_SITE)[1:] == ["not shown (fewer than 3 people)"]
    agreement = found["Agreement within each site on the site-rated scales: rwg(j), n respondents"]
    assert row(agreement, HIDDEN_SITE)[1:] == ["not shown (fewer than 3 respondents)"]


def test_sections_absent_when_fields_are_none_or_empty() -> None:
    html = _render(build_review_results())
    for section_id in HEADINGS:
        assert f'id="{section_id}-h"' not in html
        assert f'href="#{section_id}"' not in html
    empty = replace(
        _results(),
        measurement=None,
        benchmark_by_site=None,
        benchmark_by_organisation=None,
        title_vs_leading=None,
        self_other=None,
        competences_by_site=None,
        competences_by_organisation=Profile("site", pd.DataFrame(columns=["group", "scale_id"]), 3),
        linkage=pd.DataFrame(columns=["kpi", "lag", "exploratory", "note"]),
        evaluation=None,
    )
    html = _render(empty)
    for section_id in HEADINGS:
        assert f'id="{section_id}-h"' not in html
    check_page(html)


@pytest.mark.parametrize(
    ("value", "text"),
    [(5.66, "6th"), (21.4, "21st"), (12, "12th"), (92.0, "92nd"), (float("nan"), "–")],
)
def test_ordinal(value: float, text: str) -> None:
    assert ordinal(value) == text


def test_each_kpi_has_a_scatter_of_its_sites_with_the_correlation() -> None:
    results = build_analysed_results(wave=0)
    assert results.linkage_points is not None and results.linkage is not None
    html = render_review_html(results, generated_at="2026-11-29")
    check_page(html)
    for kpi, block in results.linkage_points.groupby("kpi"):
        chart_id = re.sub(r"[^a-z0-9-]+", "-", f"chart-kpi-{kpi}".lower()).strip("-")
        desc = re.search(rf'<desc id="{chart_id}-desc">(.*?)</desc>', html, re.S)
        assert desc is not None, kpi
        reported = results.linkage[
            (results.linkage["kpi"] == kpi) & (results.linkage["lag"] == "0")
        ].iloc[0]
        assert f"r = {reported['pearson_r']:.2f}" in desc.group(1)
        for site in block["site"]:
            assert f"{site}: " in desc.group(1)
