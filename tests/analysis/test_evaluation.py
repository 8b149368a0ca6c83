"""Programme evaluation: paired change, reliable change, difference-in-differences, Kirkpatrick.

References are committed in tests/reference/evaluation/ (R scripts, their inputs and outputs);
CI only reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from colead.analysis.evaluation import (
    DiffInDiff,
    PairedChange,
    difference_in_differences,
    paired_change,
    reliable_change,
    site_kpi_did,
)
from colead.analysis.kirkpatrick import kirkpatrick_summary, kpi_evidence
from colead.framework import load_framework
from colead.simulation.review import simulate

REF = Path(__file__).resolve().parents[1] / "reference" / "evaluation"

# Lakens (2013), Table 1: ratings of two movies by the same 10 people.
MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]
MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]


def _json(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((REF / name).read_text())
    return result


# ---------------------------------------------------------------------------- paired change


def test_paired_change_reproduces_lakens_2013_movie_example() -> None:
    """Lakens (2013) Frontiers in Psychology 4:863, within-subjects example: movie 1 M = 8.7
    (SD 0.82), movie 2 M = 7.7 (SD 0.95); t(9) = 4.74, p = .001, d_z = 1.50, d_av = 1.13."""
    res = paired_change(MOVIE_2, MOVIE_1)
    assert res.n == 10 and res.df == 9
    assert res.mean_post == pytest.approx(8.7) and res.mean_pre == pytest.approx(7.7)
    assert np.std(MOVIE_1, ddof=1) == pytest.approx(0.82, abs=0.005)
    assert np.std(MOVIE_2, ddof=1) == pytest.approx(0.95, abs=0.005)
    assert round(res.t, 2) == 4.74
    assert round(res.p, 3) == 0.001
    assert round(res.d_z, 2) == 1.50
    assert round(res.d_av, 2) == 1.13
    assert res.reason is None


@pytest.mark.parametrize("name", ["lakens", "n25", "n300", "negative", "missing"])
def test_paired_change_matches_r(name: str) -> None:
    """R: ``t.test(post, pre, paired = TRUE)``; d_z CI by inverting ``pt(t, df, ncp)`` with
    ``uniroot`` (as ``MBESS::ci.sm``); d_av CI scaled by sd(change)/s_av (paired.R).
    Closed forms to 1e-9; the noncentral-t limits are root-found to 1e-12 in both languages,
    compared to 1e-8."""
    ref = _json("paired.out.json")[name]
    data = pd.read_csv(REF / "paired_input.csv")
    data = data[data["set"] == name]
    res = paired_change(data["pre"].to_numpy(), data["post"].to_numpy())
    assert res.n == ref["n"] and res.df == ref["df"]
    closed = {
        "mean_pre": res.mean_pre,
        "mean_post": res.mean_post,
        "mean_change": res.mean_change,
        "sd_change": res.sd_change,
        "ci_lo": res.ci95[0],
        "ci_hi": res.ci95[1],
        "t": res.t,
        "d_z": res.d_z,
        "d_av": res.d_av,
    }
    for key, value in closed.items():
        assert value == pytest.approx(ref[key], abs=1e-9), key
    assert res.p == pytest.approx(ref["p"], rel=1e-9, abs=1e-15)
    noncentral = {
        "d_z_lo": res.d_z_ci95[0],
        "d_z_hi": res.d_z_ci95[1],
        "d_av_lo": res.d_av_ci95[0],
        "d_av_hi": res.d_av_ci95[1],
    }
    for key, value in noncentral.items():
        assert value == pytest.approx(ref[key], abs=1e-8), key


def test_paired_change_drops_incomplete_pairs_and_is_symmetric() -> None:
    rng = np.random.default_rng(3)
    pre = rng.normal(3, 0.5, 30)
    post = pre + rng.normal(0.4, 0.3, 30)
    with_gaps_pre, with_gaps_post = pre.copy(), post.copy()
    with_gaps_pre[0] = np.nan
    with_gaps_post[1] = np.nan
    gaps = paired_change(with_gaps_pre, with_gaps_post)
    assert gaps == paired_change(pre[2:], post[2:])
    flipped = paired_change(post, pre)
    forward = paired_change(pre, post)
    assert flipped.d_z == pytest.approx(-forward.d_z)
    assert flipped.d_z_ci95[0] == pytest.approx(-forward.d_z_ci95[1])


def test_paired_change_degenerate_inputs_give_reasons() -> None:
    one = paired_change([1.0, np.nan], [2.0, 3.0])
    assert one.n == 1 and np.isnan(one.t) and one.reason is not None
    empty = paired_change([np.nan], [np.nan])
    assert empty.n == 0 and np.isnan(empty.mean_change) and empty.reason is not None
    constant = paired_change([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert constant.mean_change == 1.0 and np.isnan(constant.t) and np.isnan(constant.d_z)
    assert constant.d_av == pytest.approx(1.0) and "same amount" in (constant.reason or "")
    flat = paired_change([2.0, 2.0, 2.0], [3.0, 3.0, 3.0])
    assert np.isnan(flat.d_av) and "do not vary" in (flat.reason or "")
    pre = np.linspace(1.0, 5.0, 50)
    extreme = paired_change(pre, pre + 1 + np.tile([1e-9, -1e-9], 25))
    assert extreme.t > 1e8 and np.isnan(extreme.d_z_ci95).all()
    assert "too extreme" in (extreme.reason or "")
    with pytest.raises(ValueError, match="equal length"):
        paired_change([1.0, 2.0], [1.0])


# -------------------------------------------------------------------------- reliable change


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("default", {"reliability": 0.85}),
        ("given_sd", {"reliability": 0.7, "sd_baseline": 0.62, "criterion": 1.645}),
    ],
)
def test_reliable_change_matches_r(name: str, kwargs: dict[str, float]) -> None:
    """R: ``(post - pre) / (sqrt(2) * sd(pre) * sqrt(1 - rxx))`` (reliable.R), to 1e-10."""
    ref = _json("reliable.out.json")[name]
    data = pd.read_csv(REF / "reliable_input.csv")
    res = reliable_change(data["pre"], data["post"], ids=list(data["id"]), **kwargs)
    assert res.reason is None
    assert res.sd_baseline == pytest.approx(ref["sd_baseline"], abs=1e-12)
    assert res.se_measurement == pytest.approx(ref["se"], abs=1e-12)
    assert res.sdiff == pytest.approx(ref["sdiff"], abs=1e-12)
    assert (res.improved, res.unchanged, res.deteriorated) == (
        ref["improved"],
        ref["unchanged"],
        ref["deteriorated"],
    )
    np.testing.assert_allclose(res.rows["rci"], ref["rci"], atol=1e-10)
    assert list(res.rows["category"]) == ref["category"]
    assert list(res.rows["id"]) == list(data["id"])
    assert list(res.rows.columns) == ["id", "pre", "post", "change", "rci", "category"]


def test_reliable_change_formula_by_hand() -> None:
    """Jacobson & Truax (1991): S_diff = sqrt(2 SE^2), SE = s1 sqrt(1 - rxx). With s1 = 10
    and rxx = .75, SE = 5 and S_diff = 7.071; a change of 14 gives RC = 1.98 (reliable)."""
    res = reliable_change([50.0, 50.0, 50.0], [64.0, 60.0, 36.0], reliability=0.75, sd_baseline=10)
    assert res.se_measurement == pytest.approx(5.0)
    assert res.sdiff == pytest.approx(np.sqrt(50))
    assert res.rows["rci"].round(2).tolist() == [1.98, 1.41, -1.98]
    assert res.rows["category"].tolist() == ["improved", "unchanged", "deteriorated"]


def test_reliable_change_degenerate_inputs_give_reasons() -> None:
    perfect = reliable_change([1.0, 2.0], [2.0, 3.0], reliability=1.0)
    assert np.isnan(perfect.sdiff) and perfect.reason is not None
    assert perfect.rows["category"].isna().all() and perfect.improved == 0
    unknown = reliable_change([1.0, 2.0], [2.0, 3.0], reliability=float("nan"))
    assert unknown.reason is not None
    flat = reliable_change([2.0, 2.0], [2.0, 3.0], reliability=0.8)
    assert np.isnan(flat.sdiff) and "do not vary" in (flat.reason or "")
    gaps = reliable_change([1.0, np.nan, 3.0], [2.0, 2.0, np.nan], reliability=0.8)
    assert list(gaps.rows["id"]) == ["0"] and gaps.sd_baseline == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="criterion"):
        reliable_change([1.0, 2.0], [2.0, 3.0], reliability=0.8, criterion=0)
    with pytest.raises(ValueError, match="ids"):
        reliable_change([1.0, 2.0], [2.0, 3.0], reliability=0.8, ids=["a"])


# ---------------------------------------------------------------- difference in differences


def _check_did(res: DiffInDiff, ref: dict[str, Any]) -> None:
    for key in ("effect", "treated_change", "control_change"):
        assert getattr(res, key) == pytest.approx(ref[key], abs=1e-10), key
    assert res.se == pytest.approx(ref["se"], abs=1e-10)
    assert res.se == pytest.approx(ref["se_matrix"], abs=1e-10)
    assert res.ci95 == pytest.approx((ref["ci_lo"], ref["ci_hi"]), abs=1e-10)
    assert res.p == pytest.approx(ref["p"], rel=1e-8)
    counts = (res.n_people, res.n_treated, res.n_control, res.n_clusters)
    assert counts == (ref["n_people"], ref["n_treated"], ref["n_control"], ref["n_clusters"])
    assert res.reason is None


def test_did_matches_r_sandwich_clustered_by_site() -> None:
    """R: ``lm(score ~ treated * post)`` on people in both waves, ``sandwich::vcovCL(fit,
    cluster = site, type = "HC1")``, ``lmtest::coeftest(df = G - 1)`` (did.R); and the same
    CR1 by matrix algebra. Closed forms: 1e-10."""
    frame = pd.read_csv(REF / "did_input.csv")
    res = difference_in_differences(frame)
    _check_did(res, _json("did.out.json")["person"])
    assert res.cluster_robust


def test_did_without_sites_clusters_on_people() -> None:
    """R: as above with ``cluster = person_id`` (did.R, ``person_by_unit``)."""
    frame = pd.read_csv(REF / "did_input.csv")
    res = difference_in_differences(frame, cluster=None)
    _check_did(res, _json("did.out.json")["person_by_unit"])
    assert not res.cluster_robust


def test_did_agrees_with_statsmodels_cluster_covariance() -> None:
    """statsmodels OLS ``cov_type="cluster"`` (CR1, t with G - 1 df) as a second check."""
    import statsmodels.formula.api as smf

    frame = pd.read_csv(REF / "did_input.csv")
    both = frame.groupby("person_id")["post"].transform("nunique") == 2
    data = frame[both]
    fit = smf.ols("score ~ treated * post", data=data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["site"])[0]}, use_t=True
    )
    res = difference_in_differences(frame)
    assert res.effect == pytest.approx(fit.params["treated:post"], abs=1e-10)
    assert res.se == pytest.approx(fit.bse["treated:post"], abs=1e-10)
    assert res.p == pytest.approx(fit.pvalues["treated:post"], rel=1e-8)


def test_site_kpi_did_matches_r() -> None:
    """R: site means of 2024-Q1..Q4 and 2025-Q2..Q4, KPI negated (lower is better), treated
    = share >= 0.2, then ``lm`` + ``vcovCL(cluster = site, type = "HC1")`` (did.R, kpi)."""
    kpis = pd.read_csv(REF / "kpi_input.csv")
    share = pd.read_csv(REF / "kpi_share_input.csv").set_index("site")["share"]
    res = site_kpi_did(
        kpis,
        share,
        threshold=0.2,
        pre_periods=["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"],
        post_periods=["2025-Q2", "2025-Q3", "2025-Q4"],
        higher_is_better=False,
    )
    _check_did(res, _json("did.out.json")["kpi"])
    assert res.effect > 0  # the planted fall in defects at high-enrolment sites


def test_did_degenerate_inputs_give_reasons_or_errors() -> None:
    frame = pd.read_csv(REF / "did_input.csv")
    one_site = difference_in_differences(frame.assign(site="S0"))
    assert np.isnan(one_site.se) and "2 or more" in (one_site.reason or "")
    assert not np.isnan(one_site.effect)
    nobody = difference_in_differences(frame.assign(treated=0))
    assert nobody.n_treated == 0 and "no treated" in (nobody.reason or "")
    exact = difference_in_differences(frame.assign(score=frame["treated"] + 0.5 * frame["post"]))
    assert exact.effect == pytest.approx(0.0) and "does not vary" in (exact.reason or "")
    with pytest.raises(ValueError, match="one row per"):
        difference_in_differences(pd.concat([frame, frame.head(1)]))
    varying = frame.copy()
    varying.loc[varying.index[0], "treated"] = 1 - varying.loc[varying.index[0], "treated"]
    with pytest.raises(ValueError, match="constant"):
        difference_in_differences(varying)
    with pytest.raises(ValueError, match="lacks"):
        difference_in_differences(frame.drop(columns="site"))
    with pytest.raises(ValueError, match="disjoint"):
        site_kpi_did(
            pd.DataFrame({"site": [], "period": [], "value": []}),
            pd.Series(dtype=float),
            pre_periods=["a"],
            post_periods=["a"],
        )


def _observer_leadership(seed: int) -> tuple[pd.DataFrame, float]:
    """Each ratee's mean of non-self forms' leadership items per wave, and the planted effect."""
    framework = load_framework()
    review = simulate(framework, "small", seed=seed)
    family = framework.scale_family
    leadership = np.array([family[s] == "leadership" for s in framework.item_scale])
    waves = []
    for k, wave in enumerate(review.waves):
        values = wave.values[:, leadership].astype(float)
        values[values < 0] = np.nan
        observer = (wave.responses["relation"] != "self").to_numpy()
        forms = pd.DataFrame(
            {
                "person_id": wave.responses["ratee_id"].to_numpy()[observer],
                "score": np.nanmean(values[observer], axis=1),
            }
        )
        waves.append(forms.groupby("person_id", as_index=False)["score"].mean().assign(post=k))
    frame = pd.concat(waves).merge(review.people[["person_id", "site"]], on="person_id")
    frame["treated"] = frame["person_id"].isin(set(review.enrolments["person_id"]))
    effects = [review.truth.programme_effect[s] for s in framework.family("leadership").scale_ids]
    completed = float(review.enrolments["completed"].mean())
    # Completers gain the full effect, other enrolees half of it.
    return frame, float(np.mean(effects)) * (completed + 0.5 * (1 - completed))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_did_recovers_the_simulated_programme_effect(seed: int) -> None:
    frame, planted = _observer_leadership(seed)
    res = difference_in_differences(frame)
    assert res.reason is None and res.n_clusters == 8
    assert res.ci95[0] <= planted <= res.ci95[1]
    assert 0.25 < planted < 0.35


def test_site_kpi_did_runs_on_simulated_kpis() -> None:
    review = simulate(load_framework(), "small", seed=1)
    people = review.people.assign(
        enrolled=review.people["person_id"].isin(set(review.enrolments["person_id"]))
    )
    share = people.groupby("site")["enrolled"].mean()
    periods = list(dict.fromkeys(review.kpis["period"]))
    with pytest.raises(ValueError, match="one KPI"):
        site_kpi_did(review.kpis, share, pre_periods=periods[:4], post_periods=periods[6:])
    first = review.kpis[review.kpis["kpi"] == review.kpis["kpi"].iloc[0]]
    res = site_kpi_did(first, share, pre_periods=periods[:4], post_periods=periods[6:])
    assert res.reason is None and res.n_clusters == res.n_people == 8
    assert res.n_treated == int((share >= 0.2).sum())
    results = kirkpatrick_summary(results=kpi_evidence([("KPI", True, res, None)]))[3]
    assert results.evidence.startswith("exploratory: ") and "Only 8 sites" in results.detail


# ------------------------------------------------------------------------------ Kirkpatrick


def test_kirkpatrick_unmeasured_levels_say_so() -> None:
    levels = kirkpatrick_summary()
    assert [k.level for k in levels] == [1, 2, 3, 4]
    assert [k.name for k in levels] == ["reaction", "learning", "behaviour", "results"]
    assert all(not k.measured and k.evidence == "not measured" for k in levels)
    assert all("Not measured" in k.detail for k in levels)


def test_kirkpatrick_verdicts_follow_the_confidence_intervals() -> None:
    frame, _ = _observer_leadership(1)
    behaviour = difference_in_differences(frame)
    kpis = pd.read_csv(REF / "kpi_input.csv")
    share = pd.read_csv(REF / "kpi_share_input.csv").set_index("site")["share"]
    results = site_kpi_did(
        kpis,
        share,
        pre_periods=["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"],
        post_periods=["2025-Q2", "2025-Q3", "2025-Q4"],
        higher_is_better=False,
    )
    learning = paired_change([3.0, 3.1, 2.9, 3.2], [3.1, 3.0, 3.0, 3.1])
    named = kpi_evidence([("Incidents", False, results, None)])
    reaction, learnt, behaved, resulted = kirkpatrick_summary(
        reaction=[4, 5, 4, np.nan, 3],
        learning=learning,
        behaviour=behaviour,
        results=named,
        min_sites=10,
    )
    assert reaction.evidence == "reported" and "4 participants" in reaction.detail
    assert learnt.evidence == "inconclusive" and "includes zero" in learnt.detail
    assert behaved.evidence == "improved" and "excludes zero" in behaved.detail
    assert "Only 8 sites" in behaved.detail  # behaviour clustered by 8 sites: caveat only
    assert resulted.evidence == "improved" and "not random" in resulted.detail  # 12 sites
    assert "Incidents (lower is better)" in resulted.detail
    strict = kirkpatrick_summary(results=named, min_sites=20)[3]
    assert strict.evidence == "exploratory: improved" and "Only 12 sites" in strict.detail


def test_kirkpatrick_adds_reliable_change_and_reports_declines() -> None:
    frame = pd.read_csv(REF / "did_input.csv")
    wide = frame.pivot(index="person_id", columns="post", values="score").dropna()
    individual = reliable_change(wide[0], wide[1], reliability=0.8)
    fall = paired_change([3.0, 3.2, 2.8, 3.1], [2.5, 2.9, 2.4, 2.6])
    _, learnt, behaved, _ = kirkpatrick_summary(
        learning=fall,
        behaviour=difference_in_differences(frame),
        behaviour_individual=individual,
    )
    assert learnt.evidence == "declined" and "a decline" in learnt.detail
    assert f"{individual.improved} improved and {individual.deteriorated} declined" in (
        behaved.detail
    )


def test_kirkpatrick_reports_unestimable_levels() -> None:
    frame = pd.read_csv(REF / "did_input.csv")
    broken = difference_in_differences(frame.assign(site="S0"))
    flat = paired_change([1.0], [2.0])
    _, learnt, behaved, _ = kirkpatrick_summary(learning=flat, behaviour=broken)
    assert learnt.evidence == "not estimable" and learnt.measured
    assert behaved.evidence == "not estimable" and "2 or more" in behaved.detail
    assert isinstance(flat, PairedChange)


def test_did_with_no_one_observed_in_both_waves_says_so() -> None:
    # a follow-up wave that has no answers yet: only baseline rows
    frame = pd.read_csv(REF / "did_input.csv")
    baseline_only = frame[~frame["post"].astype(bool)]
    res = difference_in_differences(baseline_only)
    assert res.n_treated == 0 and res.n_control == 0 and np.isnan(res.effect)
    assert res.reason is not None and "observed in both waves" in res.reason
