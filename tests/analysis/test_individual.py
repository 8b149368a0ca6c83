"""Self-other gaps, title vs leading, person quadrants, relation and competence views."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from builders import default_framework, small_simulation, wave_data
from colead.analysis import ReviewResults, analyse_wave
from colead.analysis.individual import (
    family_means,
    person_quadrants,
    self_other_gaps,
    title_vs_leading,
)
from colead.analysis.profiles import competence_profile

LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]


@cache
def _results() -> ReviewResults:
    return analyse_wave(wave_data(small_simulation(seed=11), 0), minimum=3)


def _person_table(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ratee_id", "scale_id", "group", "n_raters", "mean"])


def test_gaps_classify_by_margin_and_only_where_observers_are_shown() -> None:
    table = _person_table(
        [
            ("A", "model", "self", 1, 4.5),
            ("A", "model", "observers", 5, 3.9),
            ("B", "model", "self", 1, 3.0),
            ("B", "model", "observers", 4, 3.6),
            ("C", "model", "self", 1, 3.4),
            ("C", "model", "observers", 6, 3.5),
            ("D", "model", "self", 1, 5.0),  # observers hidden: no gap may be computed
        ]
    )
    gaps = self_other_gaps(table, margin=0.5)
    kinds = dict(zip(gaps.table["ratee_id"], gaps.table["kind"], strict=True))
    assert kinds == {"A": "blind_spot", "B": "hidden_strength", "C": "aligned"}
    assert gaps.table.set_index("ratee_id").loc["A", "gap"] == pytest.approx(0.6)
    counts = gaps.counts.set_index("scale_id").loc["model"]
    assert (counts["blind_spot"], counts["hidden_strength"], counts["n_people"]) == (1, 1, 3)
    with pytest.raises(ValueError, match="positive"):
        self_other_gaps(table, margin=0)


def test_planted_self_inflation_shows_as_more_blind_spots_than_hidden_strengths() -> None:
    results = _results()
    assert results.self_other is not None
    counts = results.self_other.counts
    assert counts["blind_spot"].sum() > 2 * counts["hidden_strength"].sum()
    assert results.self_other.table["gap"].mean() == pytest.approx(0.28, abs=0.12)


def test_family_means_need_two_thirds_of_the_scales() -> None:
    means = pd.DataFrame(
        {"model": [4.0, 4.0], "inspire": [2.0, np.nan], "challenge": [3.0, np.nan]},
        index=["P", "Q"],
    )
    result = family_means(means, ["model", "inspire", "challenge"])
    assert result["P"] == 3.0 and np.isnan(result["Q"])


def test_title_vs_leading_counts_and_hides_small_levels() -> None:
    people = [f"p{i}" for i in range(10)]
    leadership = pd.Series([4.0, 3.0, 3.2, 3.9, 2.0, 4.2, 3.6, 3.1, 4.4, 2.5], index=people)
    level = pd.Series([1, 1, 2, 2, 3, 5, 5, 5, 4, 4], index=people)
    result = title_vs_leading(leadership, level, threshold=3.5, minimum=2)
    by_level = result.by_level.set_index("level")
    assert not by_level.loc[3, "shown"] and pd.isna(by_level.loc[3, "n_leading"])
    assert by_level.loc[5, "n_leading"] == 2 and by_level.loc[5, "n_people"] == 3
    # levels 4–5: p5 (4.2), p6 (3.6), p8 (4.4) lead without a title
    assert (result.leading_without_title, result.n_untitled) == (3, 5)
    # levels 1–2: p1 (3.0) and p2 (3.2) hold a title without leading
    assert (result.title_without_leading, result.n_titled) == (2, 4)


def test_the_demo_relationship_has_front_line_people_leading() -> None:
    results = _results()
    assert results.title_vs_leading is not None
    assert results.title_vs_leading.leading_without_title > 0
    assert results.title_vs_leading.by_level["shown"].all()


def test_person_quadrants_count_people_and_hide_small_groups() -> None:
    ids = ["a", "b", "c", "d"]
    passion = pd.Series([4.0, 3.0, 4.0, 2.0], index=ids)
    system = pd.Series([4.0, 4.0, 3.0, 2.0], index=ids)
    groups = pd.Series(["X", "X", "X", "Y"], index=ids)
    result = person_quadrants(passion, system, groups, threshold=3.5, minimum=3)
    x = result.table[result.table["group"] == "X"].set_index("quadrant")["n_people"]
    assert x.to_dict() == {
        "both": 1,
        "passion_without_system": 1,
        "system_without_passion": 1,
        "neither": 0,
    }
    assert result.table[result.table["group"] == "Y"]["n_people"].isna().all()


def test_profile_confidence_intervals_match_statsmodels() -> None:
    results = _results()
    simulated_means = results.person_scores.observer_means
    people = small_simulation(seed=11).people.set_index("person_id")
    site = results.site_profile.table.iloc[0]
    members = people.index[people["site"] == site["group"]]
    scores = simulated_means.loc[simulated_means.index.isin(members), site["scale_id"]].dropna()
    low, high = DescrStatsW(scores.to_numpy()).tconfint_mean(alpha=0.05)
    assert (site["ci_low"], site["ci_high"]) == pytest.approx((low, high), rel=1e-12)


def test_relation_profile_shows_self_above_observers() -> None:
    results = _results()
    assert results.relation_profile is not None
    wide = results.relation_profile.wide("mean")[LEADERSHIP].mean(axis=1)
    assert wide["self"] > wide[["peer", "partner", "direct_report"]].max()
    assert results.relation_profile.table["shown"].all()


def test_competences_are_means_of_their_mapped_practices() -> None:
    results = _results()
    framework = default_framework()
    assert results.competences_by_site is not None
    practice = results.site_profile.wide("mean")
    competence = results.competences_by_site.wide("mean")
    for item in framework.competences:
        expected = practice[list(item.practices)].mean(axis=1)
        np.testing.assert_allclose(competence[item.id], expected.loc[competence.index])
    hidden = results.site_profile.table.assign(shown=False)
    from colead.analysis.results import Profile

    none_shown = competence_profile(Profile("site", hidden, 3), {"x": ["model"]})
    assert not none_shown.table["shown"].any() and none_shown.table["mean"].isna().all()
