"""The simulated survey measures as consistently as published 360 instruments do.

Posner (2016, Administrative Sciences 6(4), 17, section 3.1) reports Cronbach's alphas of
0.77 to 0.95 for the Leadership Practices Inventory across published samples; the simulator
plants a different observer alpha for every scale inside that band
(:mod:`colead.simulation.instrument`). Alphas here are computed as the review report computes
them: :func:`colead.analysis.measurement.reliability_by_scale` on observers' forms for the
scales that rate people, on every form for the scales that rate a site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colead.analysis import analyse_wave
from colead.analysis.measurement import reliability_by_scale
from colead.framework import Framework, load_framework
from colead.simulation.review import SimulatedReview, simulate
from colead.simulation.wave_data import simulated_wave_data

DEMO_SEED = 7  # the seed `colead demo` uses


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


@pytest.fixture(scope="module")
def review(framework: Framework) -> SimulatedReview:
    return simulate(framework, "small", seed=DEMO_SEED)


def _alphas(review: SimulatedReview, framework: Framework, wave: int, family: str) -> pd.Series:
    """Alpha per scale of one family in one wave, as the report's reliability table has it."""
    values = review.waves[wave].values
    relations = review.waves[wave].responses["relation"]
    scales = framework.family(family).scale_ids
    table = reliability_by_scale(
        values, relations, framework, scales, observers_only=family != "systems"
    )
    return table.set_index("scale_id")["alpha"]


@pytest.mark.parametrize("wave", [0, 1])
@pytest.mark.parametrize("family", ["leadership", "management"])
def test_person_scales_are_as_reliable_as_published_360s(
    review: SimulatedReview, framework: Framework, wave: int, family: str
) -> None:
    alphas = _alphas(review, framework, wave, family)
    assert len(alphas) == 5
    assert alphas.between(0.70, 0.95).all(), alphas.round(3).to_dict()


@pytest.mark.parametrize("family", ["leadership", "management"])
def test_scales_differ_in_reliability(
    review: SimulatedReview, framework: Framework, family: str
) -> None:
    alphas = _alphas(review, framework, 0, family)
    assert alphas.round(2).nunique() >= 4, alphas.round(3).to_dict()
    assert alphas.max() - alphas.min() > 0.04


def test_management_is_as_reliable_as_leadership(
    review: SimulatedReview, framework: Framework
) -> None:
    leadership = _alphas(review, framework, 0, "leadership")
    management = _alphas(review, framework, 0, "management")
    assert abs(management.mean() - leadership.mean()) < 0.05
    assert management.min() >= 0.75 and leadership.min() >= 0.75


def test_observed_alpha_is_the_planted_one(review: SimulatedReview, framework: Framework) -> None:
    # About 2,100 observer forms: the sampling error of alpha is under 0.01, and clipping at
    # 1 and 5 takes a little off; the formula of the calibration must hold to 0.03.
    planted = pd.Series(review.truth.target_alpha)
    for family in ("leadership", "management"):
        observed = _alphas(review, framework, 0, family)
        gap = (observed - planted.reindex(observed.index)).abs()
        assert (gap < 0.03).all(), gap.round(3).to_dict()


def test_site_scales_pass_the_reports_check(review: SimulatedReview, framework: Framework) -> None:
    for wave in (0, 1):
        alphas = _alphas(review, framework, wave, "systems")
        assert len(alphas) == len(framework.family("systems").scales)
        assert (alphas >= 0.70).all(), alphas.round(3).to_dict()


def test_items_of_a_scale_differ_in_noise(review: SimulatedReview, framework: Framework) -> None:
    noise = pd.Series(review.truth.item_noise_sd)
    by_scale = noise.groupby(pd.Series(framework.item_scale, index=framework.item_ids))
    assert (by_scale.nunique() == by_scale.size()).all()
    assert noise.min() > 0.1 and noise.max() < 1.5


def test_competences_on_different_practices_come_out_different(
    review: SimulatedReview, framework: Framework
) -> None:
    """Competences are means of practice means (the framework's mapping): those built on
    different practices must have different site profiles; those on the same practices are
    the same by definition, whatever the data."""
    results = analyse_wave(simulated_wave_data(review, 0, framework), 3)
    assert results.competences_by_site is not None
    table = results.competences_by_site.table
    means = table.pivot(index="scale_id", columns="group", values="mean").round(2)
    assert means.notna().all().all()
    practices = {c.id: frozenset(c.practices) for c in framework.competences}
    sets = sorted(set(practices.values()), key=sorted)
    profiles = [means.loc[[c for c, p in practices.items() if p == s]] for s in sets]
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            first, second = profiles[a].iloc[0], profiles[b].iloc[0]
            assert not np.allclose(first, second), (sorted(sets[a]), sorted(sets[b]))
    assert len(means.drop_duplicates()) == len(sets)
