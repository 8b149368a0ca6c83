"""Parameter recovery: over 30 simulated relationships the engine's 95% CIs cover the
planted values at close to the nominal rate.

Planted (colead.simulation.review): the variance of the site effects on leadership; the programme's
effect on enrolled people's observed leadership (completers gain the planted effect,
non-completers half of it; the drift applies to everyone and cancels in the
difference-in-differences); and the KPI slope per point of site leadership. Coverage of a
95% CI over 30 independent replications is Binomial(30, .95): 25 or more covered happens
with probability > .98, so that is the bar. Rates seen (seeds 100–129): site variance
30/30 (the interval targets the population variance, so it is conservative for 8 fixed
sites), programme effect 28/30, KPI slope 27/30.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from builders import default_framework
from colead.analysis.agreement import icc_aggregation
from colead.analysis.mixedmodel import kpi_mixed_model
from colead.analysis.programme import evaluate_programme
from colead.analysis.scoring import person_scale_scores, scale_index, score_forms
from colead.simulation.review import simulate

SEEDS = range(100, 130)
LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]

pytestmark = pytest.mark.integration


def _observer_means(simulated, index: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    framework = default_framework()
    wave = simulated.waves[index]
    item_scale, scale_ids = scale_index(framework)
    scores, _ = score_forms(wave.values, item_scale, len(scale_ids), 2 / 3)
    columns = [scale_ids.index(s) for s in LEADERSHIP]
    _, means, _ = person_scale_scores(wave.responses, scores[:, columns], LEADERSHIP, 3)
    return means


def _planted_programme_effect(simulated) -> float:  # type: ignore[no-untyped-def]
    truth = simulated.truth
    effect = float(np.mean([truth.programme_effect[s] for s in LEADERSHIP]))
    share_completed = len(truth.completed) / len(truth.enrolled)
    return effect * (share_completed + 0.5 * (1 - share_completed))


def test_site_variance_programme_effect_and_kpi_slope_are_covered() -> None:
    framework = default_framework()
    did_covered, slope_covered, site_covered, estimates = 0, 0, 0, []
    for seed in SEEDS:
        simulated = simulate(framework, "small", seed=seed)
        pre, post = _observer_means(simulated, 0), _observer_means(simulated, 1)
        evaluation = evaluate_programme(
            pre,
            post,
            baseline_wave="baseline",
            follow_up_wave="follow-up",
            people=simulated.people,
            enrolments=simulated.enrolments,
            composite_scales=LEADERSHIP,
            reliability=0.9,
        )
        # Site-effect variance of the leadership composite, ANOVA estimator and F-based CI.
        composite = pre[LEADERSHIP].mean(axis=1)
        sites = simulated.people.set_index("person_id")["site"].reindex(composite.index)
        aggregation = icc_aggregation(composite.to_numpy(), sites.to_numpy())
        planted_variance = simulated.truth.site_effects[LEADERSHIP].mean(axis=1).var(ddof=1)
        low, high = aggregation.between_variance_ci95
        site_covered += int(low <= planted_variance <= high)

        did = evaluation.did.set_index("measure").loc["leadership"]
        planted = _planted_programme_effect(simulated)
        did_covered += int(did["ci_low"] <= planted <= did["ci_high"])
        estimates.append(did["effect"] - planted)

        # KPI slope: baseline site leadership against the on-time KPI up to the baseline.
        site = simulated.people.set_index("person_id")["site"]
        kpis = simulated.kpis[simulated.kpis["kpi"] == "On-time delivery (%)"]
        baseline_quarter = simulated.waves[0].period
        frame = kpis[kpis["period"] <= baseline_quarter].copy()
        base_leadership = pre[LEADERSHIP].mean(axis=1).groupby(site).mean()
        frame["leadership"] = frame["site"].map(base_leadership)
        fit = kpi_mixed_model(frame, kpi="value", behaviour="leadership", site="site")
        planted_slope = simulated.truth.kpi_leadership_slope["On-time delivery (%)"]
        slope_covered += int(fit.ci95[0] <= planted_slope <= fit.ci95[1])
    print(  # the rates, for the record (pytest -s)
        f"\nsite variance coverage {site_covered}/30, "
        f"DiD coverage {did_covered}/30, KPI slope coverage {slope_covered}/30, "
        f"mean DiD bias {np.mean(estimates):+.4f}"
    )
    assert did_covered >= 25
    assert abs(np.mean(estimates)) < 0.02
    assert slope_covered >= 25
    assert site_covered >= 25
