"""Agreement and intraclass correlations, checked against published values and R.

R references live in ``tests/reference/agreement/`` (inputs, the R scripts and their
full-precision output); CI only reads those files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colead.analysis.agreement import (
    NULL_DISTRIBUTIONS,
    icc_aggregation,
    null_variance,
    rwg,
    rwg_by_group,
    rwg_j,
    shrout_fleiss,
    shrout_fleiss_long,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "agreement"
CLOSED_FORM = 1e-9  # closed forms: only floating-point summation order differs from R


# --------------------------------------------------------------------------- null variances


@pytest.mark.parametrize("options", [2, 3, 4, 5, 6, 7, 9, 10, 11])
def test_uniform_null_is_a_squared_minus_one_over_twelve(options: int) -> None:
    """James, Demaree & Wolf (1984): σ²_EU = (A² - 1) / 12; 2 for A = 5 (multilevel's default)."""
    assert null_variance(options) == pytest.approx((options**2 - 1) / 12)
    assert null_variance(5) == 2.0
    assert null_variance(7) == 4.0


def test_skewed_nulls_are_lebreton_and_senter_table_2() -> None:
    """LeBreton & Senter (2008), Table 2 (as embedded in LeBreton's R package WGA)."""
    expected = {
        5: (2.00, 1.34, 0.90, 0.44, 1.32, 1.04),
        7: (4.00, 2.90, 2.14, 1.39, 2.10, 1.40),
    }
    for options, row in expected.items():
        got = tuple(null_variance(options, null) for null in NULL_DISTRIBUTIONS)
        assert got == pytest.approx(row)


def test_the_normal_null_of_a_five_point_scale_follows_from_its_proportions() -> None:
    """Kozlowski & Hults (1987): normal null .07/.24/.38/.24/.07 has variance 1.04."""
    p = np.array([0.07, 0.24, 0.38, 0.24, 0.07])
    k = np.arange(1, 6)
    assert (p * (k - 3) ** 2).sum() == pytest.approx(null_variance(5, "normal"))


@pytest.mark.parametrize(
    ("options", "null"), [(4, "slight"), (6, "normal"), (1, "uniform"), (5, "skewed")]
)
def test_unpublished_or_unknown_nulls_are_misuse(options: int, null: str) -> None:
    with pytest.raises(ValueError):
        null_variance(options, null)


# --------------------------------------------------------------------------- rwg and rwg(j)


def _rwg_reference() -> pd.DataFrame:
    return pd.read_csv(REF / "rwg.out.csv")


@pytest.mark.parametrize("options", [5, 7])
@pytest.mark.parametrize("null", NULL_DISTRIBUTIONS)
def test_rwg_and_rwg_j_match_multilevel(options: int, null: str) -> None:
    """R: ``multilevel::rwg(x$i1, x$grp, ranvar)`` and ``multilevel::rwg.j(x[, items],
    x$grp, ranvar)`` with ``ranvar = null_variance(options, null)`` (tests/reference/
    agreement/rwg.R).

    Groups where no truncation happens agree to 1e-9; where multilevel truncates the
    observed variance to ranvar (giving 0) we give 0 by the LeBreton & Senter rule, with a
    reason, so the two rules agree there too.
    """
    data = pd.read_csv(REF / f"rwg{options}.csv")
    ref = _rwg_reference()
    ref = ref[(ref["options"] == options) & (ref["null"] == null)]
    items = [c for c in data.columns if c.startswith("i")]
    for stat, cols in (("rwg", ["i1"]), ("rwg.j", items)):
        ours = rwg_by_group(data, group="grp", items=cols, options=options, null=null)
        theirs = ref[ref["stat"] == stat].set_index("grp")
        merged = ours.set_index("group").join(theirs, how="inner")
        assert len(merged) == len(theirs)
        assert (merged["n"] == merged["gsize"]).all()
        free = merged["reason"].isna()
        truncated = merged["reason"].fillna("").str.contains("out of range")
        too_few = merged["n"] < 2
        np.testing.assert_allclose(
            merged.loc[free, "rwg"], merged.loc[free, "value"], rtol=0, atol=CLOSED_FORM
        )
        assert (merged.loc[truncated, "rwg"] == 0).all()
        assert (merged.loc[truncated, "value"] == 0).all()
        assert merged.loc[too_few, "rwg"].isna().all()
        assert merged.loc[too_few, "value"].isna().all()
        assert (free | truncated | too_few).all()


def test_the_reference_data_exercise_truncation_and_singletons() -> None:
    ref = _rwg_reference()
    assert (ref["value"] == 0).sum() > 20
    assert ref["value"].isna().sum() > 0
    assert ((ref["value"] > 0) & (ref["value"] < 1)).sum() > 100


def test_scalar_functions_agree_with_the_grouped_one() -> None:
    data = pd.read_csv(REF / "rwg5.csv")
    items = ["i1", "i2", "i3", "i4"]
    grouped = rwg_by_group(data, group="grp", items=items, options=5, null="moderate")
    for row in grouped.itertuples():
        block = data.loc[data["grp"] == row.group, items].to_numpy()
        one = rwg_j(block, options=5, null="moderate")
        # numpy and pandas sum the variances in different orders: last-bit differences
        np.testing.assert_allclose(one.rwg, row.rwg, rtol=1e-12)
        assert (one.n, one.j, one.reason) == (row.n, 4, row.reason)
    single = rwg_by_group(data, group="grp", items=["i2"], options=5)
    for row in single.itertuples():
        one_item = rwg(data.loc[data["grp"] == row.group, "i2"], options=5)
        np.testing.assert_allclose(one_item.rwg, row.rwg, rtol=1e-12)


def test_rwg_worked_by_hand() -> None:
    """Five raters 4, 4, 5, 5, 4 on a 5-point item: s² = 0.3, rwg = 1 - 0.3/2 = 0.85.

    rwg(j) of J = 3 such items: 3(0.85) / (3(0.85) + 0.15) = 0.9444...
    """
    result = rwg([4, 4, 5, 5, 4], options=5)
    assert result.rwg == pytest.approx(0.85)
    assert (result.n, result.j) == (5, 1)
    assert result.observed_variance == pytest.approx(0.3)
    item = np.array([4, 4, 5, 5, 4], dtype=float)
    three = rwg_j(np.column_stack([item, item, item]), options=5)
    assert three.rwg == pytest.approx(3 * 0.85 / (3 * 0.85 + 0.15))
    assert rwg([3, 3, 3], options=5).rwg == 1.0


def test_rwg_out_of_range_is_set_to_zero_with_a_reason() -> None:
    """LeBreton & Senter (2008): s² > σ²_E makes rwg negative; report 0."""
    result = rwg([1, 5, 1, 5], options=5)
    assert result.observed_variance > result.null_variance
    assert result.rwg == 0.0
    assert result.reason is not None and "out of range" in result.reason


def test_rwg_j_out_of_range_above_one_and_below_zero_is_zero() -> None:
    """Raw rwg(j) with s̄²/σ²_E = 1.5 and J = 4 is 4; with J = 2 it is -2: both become 0."""
    # Items with variance 3 each (> 2 = uniform null of a 5-point scale).
    col = np.array([1.0, 1.0, 4.0, 4.0, 1.0, 4.0])
    assert np.var(col, ddof=1) > 2
    for j in (2, 4):
        result = rwg_j(np.column_stack([col] * j), options=5)
        assert result.rwg == 0.0
        assert result.reason is not None and "out of range" in result.reason


def test_rwg_degenerate_groups_are_nan_with_a_reason() -> None:
    for values in ([4.0], [np.nan, 3.0], []):
        result = rwg(values, options=5)
        assert np.isnan(result.rwg) and result.reason
    listwise = rwg_j(np.array([[1, 2], [3, np.nan], [np.nan, 4]]), options=5)
    assert listwise.n == 1 and np.isnan(listwise.rwg) and listwise.reason
    frame = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [3, 4, np.nan, np.nan]})
    table = rwg_by_group(frame, group="g", items=["x"], options=5)
    assert list(table.columns) == ["group", "rwg", "n", "j", "reason"]
    assert table.loc[1, "n"] == 0 and np.isnan(table.loc[1, "rwg"]) and table.loc[1, "reason"]
    assert table.loc[0, "rwg"] == pytest.approx(1 - 0.5 / 2) and table.loc[0, "reason"] is None


def test_rwg_misuse_raises() -> None:
    with pytest.raises(ValueError):
        rwg([[1, 2], [3, 4]], options=5)
    with pytest.raises(ValueError):
        rwg_j([1, 2, 3], options=5)
    with pytest.raises(ValueError):
        rwg_by_group(pd.DataFrame({"g": [1]}), group="g", items=["x"], options=5)
    with pytest.raises(ValueError):
        rwg_by_group(pd.DataFrame({"g": [1]}), group="g", items=[], options=5)


# --------------------------------------------------------------------------- ICC(1), ICC(2)


@pytest.mark.parametrize("case", ["y", "y_neg", "bh1996_HRS", "bh1996_WBEING"])
def test_icc_aggregation_matches_multilevel(case: str) -> None:
    """R: ``multilevel::ICC1(aov(y ~ as.factor(g)))``, ``multilevel::ICC2(...)`` and
    ``summary(aov(...))`` (tests/reference/agreement/icc_aggregation.R).

    ``y`` is unbalanced (group sizes 1-24, three one-member groups, 5% missing scores);
    ``y_neg`` has MSB < MSW; bh1996 is multilevel's own data (99 groups, 7382 soldiers).
    """
    ref = json.loads((REF / "icc_aggregation.out.json").read_text())[case]
    if case.startswith("bh1996"):
        data = pd.read_csv(REF / "bh1996.csv")
        result = icc_aggregation(data[case.split("_")[1]], data["GRP"])
    else:
        data = pd.read_csv(REF / "icc_groups.csv")
        result = icc_aggregation(data[case], data["grp"])
    assert (result.n, result.groups, result.df1, result.df2) == (
        ref["n"],
        ref["groups"],
        ref["df1"],
        ref["df2"],
    )
    assert result.icc1 == pytest.approx(ref["icc1"], rel=CLOSED_FORM)
    assert result.icc2 == pytest.approx(ref["icc2"], rel=CLOSED_FORM)
    assert result.f == pytest.approx(ref["f"], rel=CLOSED_FORM)
    # p comes from the F tail: scipy and R agree to ~1e-10 relative even at 1e-176.
    assert result.p == pytest.approx(ref["p"], rel=1e-6)
    assert result.mean_group_size == pytest.approx(ref["n"] / ref["groups"])


def test_icc1_of_bh1996_wellbeing_is_the_published_value() -> None:
    """Bliese's multilevel tutorial (Multilevel Modeling in R 2.6, 2016), as reproduced in
    J. D. Marshall's companion notes: ``ICC1(aov(WBEING ~ as.factor(GRP), bh1996))`` =
    0.04336905."""
    data = pd.read_csv(REF / "bh1996.csv")
    assert icc_aggregation(data["WBEING"], data["GRP"]).icc1 == pytest.approx(0.04336905, abs=5e-9)


def test_negative_icc1_is_reported_not_clipped() -> None:
    data = pd.read_csv(REF / "icc_groups.csv")
    result = icc_aggregation(data["y_neg"], data["grp"])
    assert result.icc1 < 0 and result.icc2 < 0
    assert result.reason is not None and "MSB < MSW" in result.reason


def test_icc_aggregation_degenerate_inputs() -> None:
    one_group = icc_aggregation([1.0, 2.0, 3.0], ["a", "a", "a"])
    assert np.isnan(one_group.icc1) and one_group.reason
    singletons = icc_aggregation([1.0, 2.0, 3.0], ["a", "b", "c"])
    assert np.isnan(singletons.icc1) and singletons.reason
    constant = icc_aggregation([2.0] * 4, ["a", "a", "b", "b"])
    assert np.isnan(constant.icc1) and constant.reason
    no_within = icc_aggregation([1.0, 1.0, 3.0, 3.0], ["a", "a", "b", "b"])
    assert no_within.icc1 == 1.0 and np.isinf(no_within.f) and no_within.reason
    same_means = icc_aggregation([1.0, 3.0, 1.0, 3.0], ["a", "a", "b", "b"])
    assert same_means.icc1 == pytest.approx(-1.0) and np.isnan(same_means.icc2)
    assert same_means.reason
    missing = icc_aggregation([1.0, np.nan, 3.0, 4.0, 2.0], ["a", "a", None, "b", "b"])
    assert missing.n == 3 and missing.groups == 2
    with pytest.raises(ValueError):
        icc_aggregation([1.0, 2.0], ["a"])


# --------------------------------------------------------------------------- Shrout & Fleiss


def _psych(data: str, lmer: bool) -> pd.DataFrame:
    ref = pd.read_csv(REF / "shrout_fleiss.out.csv")
    return ref[(ref["data"] == data) & (ref["lmer"] == lmer)].set_index("type")


def test_shrout_fleiss_table_2_published_values() -> None:
    """Shrout & Fleiss (1979), Table 2 data and the ICCs they report (to 2 decimals):
    ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71, ICC(1,4) = .44, ICC(2,4) = .62,
    ICC(3,4) = .91."""
    x = pd.read_csv(REF / "sf_table2.csv").to_numpy()
    result = shrout_fleiss(x)
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44}
    published |= {"ICC2k": 0.62, "ICC3k": 0.91}
    for key, value in published.items():
        assert round(result.forms[key].value, 2) == value
    assert (result.n_targets, result.k_raters, result.reason) == (6, 4, None)


@pytest.mark.parametrize("data", ["sf_table2", "sf_sim"])
def test_shrout_fleiss_matches_psych(data: str) -> None:
    """R: ``psych::ICC(x, lmer = FALSE)$results`` (tests/reference/agreement/
    shrout_fleiss.R): value, F, df1, df2, p and the 95% bounds of all six forms."""
    ref = _psych(data, lmer=False)
    result = shrout_fleiss(pd.read_csv(REF / f"{data}.csv").to_numpy())
    for key, form in result.forms.items():
        row = ref.loc[key]
        assert form.value == pytest.approx(row["ICC"], rel=CLOSED_FORM, abs=CLOSED_FORM)
        assert pytest.approx(row["F"], rel=CLOSED_FORM) == form.F
        assert (form.df1, form.df2) == (row["df1"], row["df2"])
        assert form.p == pytest.approx(row["p"], rel=1e-6)
        assert form.ci95 == pytest.approx((row["lower"], row["upper"]), abs=CLOSED_FORM)


def test_shrout_fleiss_matches_psych_default_lmer_path() -> None:
    """R: ``psych::ICC(x)`` (default ``lmer = TRUE``): REML variance components equal the
    ANOVA ones when none is at its boundary, up to lme4's optimizer tolerance; the values
    agree to 1e-4 (observed ~5e-6), F to 1e-4 relative."""
    ref = _psych("sf_sim", lmer=True)
    result = shrout_fleiss(pd.read_csv(REF / "sf_sim.csv").to_numpy())
    for key, form in result.forms.items():
        row = ref.loc[key]
        assert form.value == pytest.approx(row["ICC"], abs=1e-4)
        assert pytest.approx(row["F"], rel=1e-4) == form.F
        assert form.ci95 == pytest.approx((row["lower"], row["upper"]), abs=1e-4)


def test_long_form_drops_incomplete_targets_with_a_reason() -> None:
    wide = pd.read_csv(REF / "sf_sim.csv")
    long = (
        wide.rename_axis("target")
        .reset_index()
        .melt(id_vars="target", var_name="rater", value_name="score")
    )
    long = long.sample(frac=1.0, random_state=7).reset_index(drop=True)
    gaps = long["target"].isin([3, 50, 51]) & (long["rater"] == "r2")
    long.loc[gaps, "score"] = np.nan
    long = long[~(long["target"].eq(51) & long["rater"].eq("r2"))]  # a row absent, not NaN
    result = shrout_fleiss_long(long, target="target", rater="rater", score="score")
    expected = shrout_fleiss(wide.drop(index=[3, 50, 51]).to_numpy())
    assert result.n_targets == 197 and result.k_raters == 5
    assert result.reason == "dropped 3 targets without a score from every rater"
    for key in expected.forms:
        assert result.forms[key].value == pytest.approx(expected.forms[key].value, rel=1e-12)
    with_nan = wide.to_numpy().copy()
    with_nan[[3, 50, 51], 1] = np.nan
    assert shrout_fleiss(with_nan).reason == result.reason


def test_long_form_misuse_raises() -> None:
    frame = pd.DataFrame({"t": [1, 1], "r": ["a", "a"], "s": [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than one"):
        shrout_fleiss_long(frame, target="t", rater="r", score="s")
    with pytest.raises(ValueError):
        shrout_fleiss_long(frame, target="t", rater="r", score="missing")
    with pytest.raises(ValueError):
        shrout_fleiss([1.0, 2.0])


def test_shrout_fleiss_degenerate_inputs() -> None:
    for matrix in ([[1.0, 2.0]], [[1.0], [2.0]], [[3.0, 3.0], [3.0, 3.0]]):
        result = shrout_fleiss(matrix)
        assert all(np.isnan(f.value) for f in result.forms.values()) and result.reason
    offset = shrout_fleiss([[1.0, 2.0], [3.0, 4.0], [6.0, 7.0]])
    assert offset.forms["ICC3"].value == 1.0 and offset.reason
    empty = shrout_fleiss_long(
        pd.DataFrame({"t": [1], "r": ["a"], "s": [np.nan]}), target="t", rater="r", score="s"
    )
    assert np.isnan(empty.forms["ICC1"].value) and empty.reason


def test_twenty_thousand_targets_recover_the_population_icc() -> None:
    # Speed is measured in bench/icc_speed.py; here only the answer at that size.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(20_000, 1)) + rng.normal(size=(20_000, 5))
    result = shrout_fleiss(x)
    # target variance 1, error variance 1: every single-rater form is 0.5
    for name in ("ICC1", "ICC2", "ICC3"):
        assert result.forms[name].value == pytest.approx(0.5, abs=0.02)
    assert result.forms["ICC1k"].value == pytest.approx(5 / 6, abs=0.01)


def test_group_effect_variance_and_its_ci_match_r() -> None:
    """Unbalanced one-way ANOVA estimator (MSB − MSW)/n₀ with the F-based CI (Searle,
    Casella & McCulloch 1992 §3.5), against tests/reference/agreement/site_variance.R
    (R ``summary(aov(y ~ as.factor(grp)))``, ``qf``)."""
    reference = pd.read_csv(REF / "site_variance.out.csv").iloc[0]
    data = pd.read_csv(REF / "icc_groups.csv")
    result = icc_aggregation(data["y"], data["grp"])
    assert result.between_variance == pytest.approx(reference["between"], rel=1e-10)
    assert result.between_variance_ci95 == pytest.approx(
        (reference["lower"], reference["upper"]), rel=1e-10
    )
    assert result.within_variance == pytest.approx(reference["within"], rel=1e-10)
