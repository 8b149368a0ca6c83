"""Measurement quality of a wave: the engine applies alpha, rwg and ICCs to the right data."""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pytest

from builders import default_framework, small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.analysis.benchmark import Norm, percentile_rank
from colead.analysis.measurement import (
    _verdict,
    composite_alpha,
    reliability_by_scale,
    rwg_by_person,
    site_agreement,
)
from colead.analysis.outcomes import group_benchmark, wave_linkage
from colead.analysis.programme import evaluate_programme, period_bounds
from colead.analysis.psychometrics import cronbach_alpha
from colead.analysis.results import ReviewResults

LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]


@cache
def _results(index: int = 0) -> ReviewResults:
    simulated = small_simulation(seed=11)
    return analyse_wave(wave_data(simulated, index), 3, kpis=simulated.kpis)


def test_reliability_uses_observer_forms_only() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    framework = default_framework()
    table = reliability_by_scale(data.values, data.responses["relation"], framework, ["model"])
    observers = (data.responses["relation"] != "self").to_numpy()
    columns = [i for i, s in enumerate(framework.item_scale) if s == "model"]
    block = data.values[observers][:, columns].astype(float)
    block[block < 0] = np.nan
    direct = cronbach_alpha(pd.DataFrame(block).dropna(how="all"))
    assert table.loc[0, "alpha"] == pytest.approx(direct.alpha, rel=1e-12)
    assert table.loc[0, "n"] == direct.n and table.loc[0, "k"] == 6
    both = composite_alpha(data.values, data.responses["relation"], framework, LEADERSHIP)
    assert both > table.loc[0, "alpha"]  # 30 items measure more reliably than 6


@pytest.mark.parametrize(
    ("icc2", "words"),
    [(0.9, "reliable enough"), (0.6, "with caution"), (0.3, "not reliable"), (np.nan, "cannot")],
)
def test_site_verdicts_follow_lebreton_and_senter(icc2: float, words: str) -> None:
    assert words in _verdict(0.1, icc2)


def test_planted_leadership_site_effects_make_sites_comparable() -> None:
    variability = _results().measurement.site_variability.set_index("scale_id")  # type: ignore[union-attr]
    assert (variability.loc[LEADERSHIP, "icc2"] >= 0.7).all()
    assert variability.loc[LEADERSHIP, "icc1"].mean() > variability.loc["plan", "icc1"]


def test_agreement_is_withheld_for_small_groups() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    framework = default_framework()
    per_person = rwg_by_person(data.values, data.responses, framework, ["model"], minimum=50)
    assert per_person["rwg"].isna().all() and per_person["reason"].str.contains("50").all()
    is_self = (data.responses["relation"] == "self").to_numpy()
    sites = data.responses.loc[is_self, "rater_id"].map(data.people.set_index("person_id")["site"])
    table = site_agreement(data.values[is_self], sites, framework, ["context"], minimum=40)
    assert not table.loc[~table["shown"], "rwg"].notna().any()
    assert table["shown"].any() and not table["shown"].all()


def test_benchmark_bands_only_for_shown_groups() -> None:
    results = _results()
    norms = {s: Norm(scale_id=s, n=500, mean=3.5, sd=0.4) for s in LEADERSHIP}
    bench = group_benchmark(results.site_profile, norms)
    row = bench.iloc[0]
    expected = percentile_rank(row["mean"], norms[row["scale_id"]])
    assert row["percentile"] == pytest.approx(expected.percentile)
    assert set(bench["group"]) == set(results.site_profile.wide().index)


def test_linkage_pairs_the_wave_period_and_the_next() -> None:
    results = _results(0)
    assert results.linkage is not None and results.wave_period == "2024-Q4"
    lags = set(results.linkage["lag"])
    assert {"0", "1", "repeated"} <= lags
    assert results.linkage["exploratory"].all()  # 8 sites
    on_time = results.linkage[
        (results.linkage["kpi"] == "On-time delivery (%)") & (results.linkage["lag"] == "1")
    ].iloc[0]
    assert on_time["period"] == "2025-Q1" and on_time["pearson_r"] > 0
    empty = wave_linkage(pd.Series(dtype=float), pd.DataFrame(), wave_period=None)
    assert empty.empty


def test_linkage_points_are_the_pairs_behind_the_same_period_correlation() -> None:
    """Pearson's r of the points equals the reported lag-0 r (scipy.stats.pearsonr)."""
    from scipy.stats import pearsonr

    results = _results(0)
    points, linkage = results.linkage_points, results.linkage
    assert points is not None and linkage is not None and results.continuum is not None
    assert set(points["site"]) <= set(results.continuum.table["group"])
    for kpi, block in points.groupby("kpi"):
        reported = linkage[(linkage["kpi"] == kpi) & (linkage["lag"] == "0")].iloc[0]
        assert len(block) == reported["n_sites"]
        r = pearsonr(block["behaviour"], block["value"]).statistic
        # The engine signs KPIs so that positive is better; r flips for lower-is-better KPIs.
        assert abs(r) == pytest.approx(abs(reported["pearson_r"]), rel=1e-9)


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("2024-Q1", (date(2024, 1, 1), date(2024, 3, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_period_bounds(period: str, bounds: tuple[date, date]) -> None:
    assert period_bounds(period) == bounds


def test_programme_evaluation_windows_follow_the_programme_dates() -> None:
    simulated = small_simulation(seed=11)
    pre, post = _results(0), _results(1)
    evaluation = evaluate_programme(
        pre.person_scores.observer_means,
        post.person_scores.observer_means,
        baseline_wave="baseline",
        follow_up_wave="follow-up",
        people=simulated.people,
        enrolments=simulated.enrolments,
        composite_scales=LEADERSHIP,
        reliability=0.9,
        kpis=simulated.kpis,
        programme_start=date.fromisoformat(str(simulated.programme["start"])),
        programme_end=date.fromisoformat(str(simulated.programme["end"])),
    )
    assert all(period_bounds(p)[1] < date(2025, 2, 3) for p in evaluation.pre_periods)
    assert all(period_bounds(p)[0] > date(2025, 6, 23) for p in evaluation.post_periods)
    assert set(evaluation.kpi_did["kpi"]) == set(simulated.kpis["kpi"])
    levels = {k.level: k for k in evaluation.kirkpatrick}
    assert levels[3].evidence == "improved" and levels[4].evidence.startswith("exploratory")
    change = evaluation.change.set_index(["measure", "group"])
    assert (
        change.loc[("leadership", "enrolled"), "mean_change"]
        > change.loc[("leadership", "not_enrolled"), "mean_change"]
    )
    _check_kpi_by_site(evaluation.kpi_by_site, simulated, evaluation)


def _check_kpi_by_site(table: pd.DataFrame, simulated: object, evaluation: object) -> None:
    """Each site's KPI before/after means and enrolled share, recomputed with plain loops."""
    people = simulated.people  # type: ignore[attr-defined]
    enrolled = set(simulated.enrolments["person_id"].astype(str))  # type: ignore[attr-defined]
    kpis = simulated.kpis  # type: ignore[attr-defined]
    pre, post = set(evaluation.pre_periods), set(evaluation.post_periods)  # type: ignore[attr-defined]
    assert len(table) == kpis.groupby(["kpi", "site"]).ngroups
    for row in table.itertuples(index=False):
        staff = [
            str(p)
            for p, s in zip(people["person_id"], people["site"], strict=True)
            if s == row.site
        ]
        share = sum(p in enrolled for p in staff) / len(staff)
        assert row.n_people == len(staff) and row.share_enrolled == pytest.approx(share)
        assert row.treated == (share >= 0.2)
        values = [
            (str(period), float(value), bool(better))
            for kpi, site, period, value, better in zip(
                kpis["kpi"],
                kpis["site"],
                kpis["period"],
                kpis["value"],
                kpis["higher_is_better"],
                strict=True,
            )
            if kpi == row.kpi and site == row.site
        ]
        before = [v for period, v, _ in values if period in pre]
        after = [v for period, v, _ in values if period in post]
        assert row.before == pytest.approx(sum(before) / len(before))
        assert row.after == pytest.approx(sum(after) / len(after))
        sign = 1 if values[0][2] else -1
        assert row.improvement == pytest.approx(sign * (row.after - row.before))


def test_site_behaviour_agreement_covers_every_site_and_person_scale() -> None:
    results = _results()
    table = results.measurement.site_behaviour_agreement  # type: ignore[union-attr]
    assert table is not None
    assert set(table["scale_id"]) == set(LEADERSHIP) | {
        "plan",
        "govern",
        "monitor",
        "competence",
        "comply",
    }
    assert table["shown"].all() and table["rwg"].between(0, 1).all()
    data = wave_data(small_simulation(seed=11), 0)
    from colead.analysis.measurement import site_behaviour_agreement

    strict = site_behaviour_agreement(
        data.values,
        data.responses,
        data.people.set_index("person_id")["site"],
        default_framework(),
        ["model"],
        minimum=10_000,
    )
    assert not strict["shown"].any() and strict["rwg"].isna().all()
