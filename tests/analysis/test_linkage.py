"""KPI linkage: correlations, lagged periods and the random-intercept model.

References are in ``tests/reference/linkage`` (``linkage.R``, run on R 4.2 with lme4 1.1):
``cor.test(x, y)``, ``cor.test(x, y, method = "spearman")`` and
``lmer(value ~ leadership + (1 | site), REML = TRUE)``.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from colead.analysis import mixedmodel
from colead.analysis.linkage import (
    correlate,
    lagged_pairs,
    shift_period,
    site_linkage,
)
from colead.analysis.mixedmodel import kpi_mixed_model

REF = Path(__file__).resolve().parent.parent / "reference" / "linkage"


def _pairs(name: str) -> pd.DataFrame:
    data = pd.read_csv(REF / "correlation_input.csv")
    return data[data["dataset"] == name]


# --------------------------------------------------------------------------- correlation


def test_hollander_wolfe_example_matches_published_output() -> None:
    """Hollander & Wolfe (1973, p. 187) data, the example of R's ``?cor.test``; R prints
    t = 1.8411, df = 7, p = 0.1082, CI -0.1497426 to 0.8955795, cor 0.5711816; and for
    ``method = "spearman"``: S = 48, p = 0.0968, rho = 0.6."""
    d = _pairs("hollander_wolfe")
    pearson = correlate(d["x"], d["y"])
    assert pearson.r == pytest.approx(0.5711816, abs=5e-8)
    assert pearson.p == pytest.approx(0.1082, abs=5e-5)
    assert pearson.ci95[0] == pytest.approx(-0.1497426, abs=5e-8)
    assert pearson.ci95[1] == pytest.approx(0.8955795, abs=5e-8)
    spearman = correlate(d["x"], d["y"], method="spearman")
    assert spearman.r == pytest.approx(0.6, abs=1e-12)
    assert spearman.p == pytest.approx(0.0968, abs=5e-5)
    assert pearson.n == spearman.n == 9


def test_correlations_match_r_cor_test() -> None:
    """R: ``cor.test(x, y)`` (r, p, Fisher CI) and ``cor.test(x, y, method = "spearman")``
    (rho, p: AS 89 exact for n <= 9, its Edgeworth series for n > 9, t with ties), and the
    Bonett & Wright (2000) Spearman CI computed in R from its formula. All closed forms or
    exact sums: 1e-10 relative against 15 printed digits."""
    ref = pd.read_csv(REF / "correlation.out.csv")
    for row in ref.itertuples(index=False):
        d = _pairs(str(row.dataset))
        pe = correlate(d["x"], d["y"], n_permutations=0)
        sp = correlate(d["x"], d["y"], method="spearman", n_permutations=0)
        got = [pe.r, pe.p, *pe.ci95, sp.r, sp.p, *sp.ci95]
        want = [
            row.pearson_r,
            row.pearson_p,
            row.pearson_lo,
            row.pearson_hi,
            row.spearman_rho,
            row.spearman_p,
            row.spearman_lo,
            row.spearman_hi,
        ]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14, err_msg=row.dataset)
        assert pe.n == sp.n == row.n


def test_perfect_spearman_exact_p_by_counting() -> None:
    # Only the identity among 5! = 120 orderings gives rho = 1: two-sided p = 2/120.
    result = correlate([1, 2, 3, 4, 5], [2, 4, 5, 9, 10], method="spearman")
    assert result.r == 1.0
    assert result.p == pytest.approx(2 / 120, abs=1e-15)
    assert result.ci95 == (1.0, 1.0)


def test_permutation_p_is_deterministic_and_close_to_the_parametric_p() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=400)
    y = 0.15 * x + rng.normal(size=400)
    a = correlate(x, y, seed=3)
    assert a == correlate(x, y, seed=3)
    assert a.p_permutation != correlate(x, y, seed=4).p_permutation
    # B = 9999: the Monte Carlo SE of a p near 0.06 is about 0.0024; 0.015 is 6 SE.
    assert 0.02 < a.p < 0.2
    assert abs(a.p_permutation - a.p) < 0.015
    s = correlate(x, y, method="spearman", seed=3)
    assert abs(s.p_permutation - s.p) < 0.015


def test_permutation_p_never_zero_and_counts_ties() -> None:
    x = np.arange(6.0)
    strong = correlate(x, 2 * x + 1, n_permutations=999)
    # only the identity and its reverse reach |r| = 1: about 2/720 of permutations
    assert strong.p_permutation >= 1 / 1000
    assert strong.p_permutation < 0.02


def test_exploratory_below_ten_sites() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=10), rng.normal(size=10)
    assert correlate(x[:9], y[:9]).exploratory
    assert not correlate(x, y).exploratory
    assert correlate(x, y, min_sites_confirmatory=12).exploratory


def test_degenerate_correlations_give_nan_with_a_reason() -> None:
    two = correlate([1.0, 2.0, np.nan], [3.0, 1.0, 2.0])
    assert two.n == 2 and math.isnan(two.r) and "at least 3" in str(two.reason)
    flat = correlate([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 5.0], method="spearman")
    assert math.isnan(flat.r) and math.isnan(flat.p) and "x has no variation" in str(flat.reason)
    three = correlate([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    assert three.r == pytest.approx(0.5) and math.isnan(three.ci95[0])
    assert "at least 4" in str(three.reason)
    skipped = correlate([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 1.0, 4.0, 3.0, 5.0], n_permutations=0)
    assert math.isnan(skipped.p_permutation) and "not run" in str(skipped.reason)
    assert not math.isnan(skipped.p)


def test_correlate_misuse_raises() -> None:
    with pytest.raises(ValueError, match="method"):
        correlate([1, 2, 3], [1, 2, 3], method="kendall")
    with pytest.raises(ValueError, match="equal length"):
        correlate([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="n_permutations"):
        correlate([1, 2, 3], [1, 2, 3], n_permutations=-1)


def test_site_linkage_aligns_sites_and_explains_the_sign() -> None:
    scores = pd.Series([3.1, 3.6, 4.2, 2.9, 3.8, 4.0], index=list("abcdef"))
    defects = pd.Series([12.0, 9.0, 5.0, 14.0, 7.0, 6.5, 99.0], index=list("abcdefz"))
    link = site_linkage(
        scores,
        defects,
        kpi="defects",
        behaviour="leadership",
        higher_is_better=False,
        n_permutations=99,
    )
    assert link.n_sites == 6 and link.exploratory
    assert link.pearson.r < 0 and link.spearman.r == pytest.approx(-1.0)
    assert "exploratory only: fewer than 10 sites (n = 6)" in link.note
    assert "negative r means more leadership goes with better results" in link.note
    expected = correlate(scores.to_numpy(), defects.iloc[:6].to_numpy(), n_permutations=99)
    assert link.pearson == expected
    with pytest.raises(ValueError, match="duplicate"):
        site_linkage(pd.Series([1.0, 2.0], index=["a", "a"]), defects, kpi="k", behaviour="b")


def test_site_linkage_confirmatory_note() -> None:
    rng = np.random.default_rng(5)
    sites = [f"s{k}" for k in range(12)]
    link = site_linkage(
        pd.Series(rng.normal(size=12), index=sites),
        pd.Series(rng.normal(size=12), index=sites),
        kpi="on_time",
        behaviour="trust",
    )
    assert not link.exploratory and link.note == "12 sites"


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "steps", "expected"),
    [
        ("2024-Q4", 1, "2025-Q1"),
        ("2024-Q1", -1, "2023-Q4"),
        ("2024-12", 1, "2025-01"),
        ("2024-07", 6, "2025-01"),
        ("2024", 2, "2026"),
        ("2025-Q1", 0, "2025-Q1"),
    ],
)
def test_shift_period(period: str, steps: int, expected: str) -> None:
    assert shift_period(period, steps) == expected


@pytest.mark.parametrize("bad", ["2024Q3", "2024-Q5", "2024-13", "24-01", "2024-1"])
def test_non_canonical_periods_raise(bad: str) -> None:
    with pytest.raises(ValueError, match="canonical"):
        shift_period(bad, 1)


def test_lagged_pairs_take_the_following_period() -> None:
    scores = pd.DataFrame(
        {
            "site": ["a", "a", "b", "b"],
            "period": ["2025-Q1", "2024-Q4", "2024-Q4", "2024-Q3"],
            "leadership": [3.5, 3.0, 4.0, 3.8],
        }
    )
    kpis = pd.DataFrame(
        {
            "site": ["a", "a", "b", "b", "a", "b", "a"],
            "period": ["2025-Q1", "2025-Q2", "2025-Q1", "2024-Q4", "2025-01", "2024-10", "2025"],
            "kpi": ["otif", "otif", "otif", "otif", "cost", "cost", "nps"],
            "value": [0.91, 0.95, 0.88, 0.80, 100.0, 90.0, 40.0],
        }
    )
    out = lagged_pairs(scores, kpis, lag=1)
    assert list(out.columns) == ["site", "period", "kpi_period", "kpi", "leadership", "value"]
    rows = list(out[["kpi", "site", "period", "kpi_period", "value"]].itertuples(index=False))
    assert [tuple(r) for r in rows] == [
        ("cost", "a", "2024-Q4", "2025-01", 100.0),
        ("cost", "b", "2024-Q3", "2024-10", 90.0),
        ("nps", "a", "2024-Q4", "2025", 40.0),
        ("otif", "a", "2024-Q4", "2025-Q1", 0.91),
        ("otif", "a", "2025-Q1", "2025-Q2", 0.95),
        ("otif", "b", "2024-Q3", "2024-Q4", 0.80),
        ("otif", "b", "2024-Q4", "2025-Q1", 0.88),
    ]
    same = lagged_pairs(scores, kpis, lag=0)
    assert set(same.loc[same["kpi"] == "otif", "kpi_period"]) == {"2025-Q1", "2024-Q4"}
    with pytest.raises(ValueError, match="more than one row"):
        lagged_pairs(pd.concat([scores, scores.iloc[:1]]), kpis)
    with pytest.raises(ValueError, match="lacks columns"):
        lagged_pairs(scores, kpis.drop(columns="kpi"))
    assert lagged_pairs(scores, kpis.iloc[:0]).empty


# --------------------------------------------------------------------------- mixed model


def _mixed(name: str) -> pd.DataFrame:
    data = pd.read_csv(REF / "mixed_input.csv")
    return data[data["dataset"] == name]


@pytest.mark.parametrize("name", ["clear", "no_site_effect", "few_sites", "sleepstudy"])
def test_mixed_model_matches_lme4(name: str) -> None:
    """R: ``lmer(value ~ leadership + (1 | site), REML = TRUE)`` with bobyqa: ``fixef``,
    ``confint(method = "Wald")``, ``VarCorr``; ANOVA ``(MSB - MSW)/n0`` on lm residuals.

    Both sides optimise the same REML criterion iteratively and stop on their own
    tolerances; the criterion is flat near the optimum, so variances agree to about 2e-6
    relative (slopes 1e-7). 1e-4 relative leaves margin for other BLAS/optimizer builds.
    A singular fit (lme4 tau^2 = 0) is compared on the scale of the total variance.
    """
    ref = pd.read_csv(REF / "mixed.out.csv").set_index("dataset").loc[name]
    if name == "sleepstudy":
        sleep = pd.read_csv(REF / "sleepstudy.csv")
        fit = kpi_mixed_model(sleep, kpi="Reaction", behaviour="Days", site="Subject")
    else:
        fit = kpi_mixed_model(_mixed(name))
    assert fit.n_observations == ref["n_obs"] and fit.n_sites == ref["n_sites"]
    assert fit.converged and fit.reason is None
    assert fit.slope == pytest.approx(ref["slope"], rel=1e-4)
    assert fit.ci95[0] == pytest.approx(ref["slope_lo"], rel=1e-4)
    assert fit.ci95[1] == pytest.approx(ref["slope_hi"], rel=1e-4)
    assert fit.residual_variance == pytest.approx(ref["residual_variance"], rel=1e-4)
    total = ref["site_variance"] + ref["residual_variance"]
    assert fit.site_variance == pytest.approx(ref["site_variance"], rel=1e-4, abs=1e-6 * total)
    assert fit.anova_site_variance == pytest.approx(ref["anova_site_variance"], rel=1e-9)
    assert fit.icc == pytest.approx(fit.site_variance / (fit.site_variance + fit.residual_variance))
    assert bool(ref["singular"]) == (fit.site_variance < 1e-6 * total)


def test_mixed_model_sleepstudy_published_values() -> None:
    """Bates, Maechler, Bolker & Walker (2015, J. Stat. Softw. 67(1)) data; lme4 prints for
    ``lmer(Reaction ~ Days + (1 | Subject), sleepstudy)``: Subject variance 1378.2, residual
    960.5, Days 10.4673 (SE 0.8042)."""
    sleep = pd.read_csv(REF / "sleepstudy.csv")
    fit = kpi_mixed_model(sleep, kpi="Reaction", behaviour="Days", site="Subject")
    assert fit.site_variance == pytest.approx(1378.2, abs=0.05)
    assert fit.residual_variance == pytest.approx(960.5, abs=0.05)
    assert fit.slope == pytest.approx(10.4673, abs=5e-5)
    se = (fit.ci95[1] - fit.ci95[0]) / (2 * 1.959963984540054)
    assert se == pytest.approx(0.8042, abs=5e-5)


def test_mixed_model_degenerate_inputs() -> None:
    clear = _mixed("clear")
    two = kpi_mixed_model(clear[clear["site"].isin(["s00", "s01"])])
    assert math.isnan(two.slope) and "at least 3" in str(two.reason) and two.n_sites == 2
    flat = kpi_mixed_model(clear.assign(leadership=3.0))
    assert math.isnan(flat.slope) and "leadership does not vary" in str(flat.reason)
    flat_kpi = kpi_mixed_model(clear.assign(value=1.0))
    assert math.isnan(flat_kpi.site_variance) and "value does not vary" in str(flat_kpi.reason)
    once = kpi_mixed_model(clear.drop_duplicates("site"))
    assert math.isnan(once.slope) and "more than one period" in str(once.reason)
    empty = kpi_mixed_model(clear.assign(value=np.nan))
    assert empty.n_observations == 0 and empty.reason is not None
    with pytest.raises(ValueError, match="lacks columns"):
        kpi_mixed_model(clear, behaviour="trust")


def test_zero_site_variance_against_clear_anova_sets_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fit stuck at tau^2 = 0 (as a lone lbfgs can report) is flagged by the ANOVA."""
    frame = _mixed("clear")

    def stuck(y: np.ndarray, design: np.ndarray, codes: np.ndarray) -> tuple[Any, str]:
        beta = np.linalg.lstsq(design, y, rcond=None)[0]
        resid = y - design @ beta
        fake = SimpleNamespace(
            cov_re=np.zeros((1, 1)),
            scale=float(resid @ resid) / (len(y) - 2),
            fe_params=beta,
            converged=True,
            llf=0.0,
        )
        return fake, "lbfgs"

    monkeypatch.setattr(mixedmodel, "_fit_reml", stuck)
    fit = kpi_mixed_model(frame)
    assert fit.site_variance == 0.0 and fit.anova_site_variance > 1.0
    assert fit.reason is not None and "ANOVA" in fit.reason
