"""Change since baseline: figures, intervals against independent computations, anonymity."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from builders import small_simulation, wave_data
from colead.analysis import WaveData, analyse_wave
from colead.analysis.export import results_to_dict
from colead.analysis.profiles import group_profile
from colead.analysis.results import ChangeSinceBaseline, ReviewResults
from colead.analysis.review import compare_with_baseline
from colead.analysis.wave_change import (
    PAIRED,
    PARTLY_PAIRED,
    RELATIONSHIP,
    WELCH,
    WaveFigures,
    wave_change,
)
from colead.framework import Framework

LEAD = ["model", "inspire"]
FAMILIES = {"leadership": LEAD}


def _figures(
    wave: str,
    scores: pd.DataFrame,
    people: pd.DataFrame,
    minimum: int = 3,
    raters_per_person: int = 3,
    shared_raters: dict[str, int] | None = None,
) -> WaveFigures:
    """Published figures of a hand-made wave: person × practice scores, each person rated by
    ``raters_per_person`` raters of their own; ``shared_raters`` gives a site one rater pool
    of that many people instead."""
    pairs = []
    site_of = people.set_index("person_id")["site"]
    for person in scores.index:
        site = site_of[person]
        pool = (shared_raters or {}).get(site)
        raters = (
            [f"{site}-r{k}" for k in range(pool)]
            if pool
            else [f"{person}-r{k}" for k in range(raters_per_person)]
        )
        pairs += [{"ratee_id": person, "rater_id": r} for r in raters]
    raters_of = pd.DataFrame(pairs, columns=["ratee_id", "rater_id"])
    return WaveFigures(
        wave=wave,
        observer_means=scores,
        people=people,
        site_profile=group_profile(scores, people, raters_of, "site", minimum),
        organisation_profile=group_profile(scores, people, raters_of, "organisation", minimum),
    )


def _people(
    sites: dict[str, int], organisations: tuple[str, ...] = ("Client", "Supplier")
) -> pd.DataFrame:
    rows = []
    for site, size in sites.items():
        for k in range(size):
            rows.append(
                {
                    "person_id": f"{site}{k:02d}",
                    "site": site,
                    "organisation": organisations[k % len(organisations)],
                }
            )
    return pd.DataFrame(rows)


def _scores(people: pd.DataFrame, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = people["person_id"].tolist()
    base = rng.normal(3.2, 0.5, size=(len(ids), 1))
    values = base + rng.normal(0, 0.25, size=(len(ids), len(LEAD))) + shift
    return pd.DataFrame(values, index=pd.Index(ids, name="ratee_id"), columns=LEAD)


def _row(
    change: ChangeSinceBaseline, by: str, group: str, measure: str = "leadership"
) -> pd.Series:
    table = change.changes
    found = table[(table["by"] == by) & (table["group"] == group) & (table["measure"] == measure)]
    assert len(found) == 1
    return found.iloc[0]


def _follow_up(before: pd.DataFrame, seed: int, rise: float) -> pd.DataFrame:
    """The same people a wave later: their own scores plus a rise and some noise."""
    rng = np.random.default_rng(seed)
    return before + rise + rng.normal(0, 0.2, size=before.shape)


def test_the_same_people_give_the_paired_t_interval() -> None:
    people = _people({"North": 12})
    before = _scores(people, seed=1)
    after = _follow_up(before, seed=2, rise=0.3)
    change = wave_change(
        _figures("baseline", before, people), _figures("follow-up", after, people), FAMILIES, 3
    )
    row = _row(change, "site", "North")
    assert row["method"] == PAIRED and row["shown"]
    # The published figures: the mean of the practice means of each wave.
    assert row["before"] == pytest.approx(before.mean().mean())
    assert row["after"] == pytest.approx(after.mean().mean())
    assert row["change"] == pytest.approx(row["after"] - row["before"])
    # R: t.test(after, before, paired = TRUE) on each person's mean of the two practices.
    expected = stats.ttest_rel(after.mean(axis=1), before.mean(axis=1)).confidence_interval()
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(expected), abs=1e-12)
    assert row["n_before"] == row["n_after"] == 12 and row["df"] == 11


def _partover_ci(
    unpaired_1: np.ndarray, unpaired_2: np.ndarray, paired_1: np.ndarray, paired_2: np.ndarray
) -> tuple[float, float, float]:
    """Partially overlapping samples t-test, unequal variances, mean(2) - mean(1): the
    arithmetic of R's ``Partiallyoverlapping::Partover.test(x1, x2, x3, x4,
    var.equal = FALSE, conf.level = 0.95)`` (Derrick, Russ, Toher & White 2017)."""
    all_1, all_2 = np.r_[unpaired_1, paired_1], np.r_[unpaired_2, paired_2]
    n1, n2, n12 = len(all_1), len(all_2), len(paired_1)
    r = 0.0
    if np.std(paired_1) > 0 and np.std(paired_2) > 0:
        r = float(np.corrcoef(paired_1, paired_2)[0, 1])
    v1, v2 = np.var(all_1, ddof=1), np.var(all_2, ddof=1)
    denominator = np.sqrt(v1 / n1 + v2 / n2 - 2 * r * n12 * np.sqrt(v1 * v2) / (n1 * n2))
    welch = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    unpaired = len(unpaired_1) + len(unpaired_2)
    df = (n12 - 1) + (welch - n12 + 1) / (unpaired + 2 * n12) * unpaired
    estimate = all_2.mean() - all_1.mean()
    half = stats.t.ppf(0.975, df) * denominator
    return estimate - half, estimate + half, df


def test_people_joining_and_leaving_give_the_partially_overlapping_interval() -> None:
    people = _people({"North": 14})
    ids = people["person_id"].tolist()
    scores = _scores(people, seed=3)[["model"]]
    later = _follow_up(scores, seed=4, rise=0.25)
    # Two people left after the baseline, three joined for the follow-up.
    before, after = scores.loc[ids[:11]], later.loc[ids[2:]]
    change = wave_change(
        _figures("baseline", before, people),
        _figures("follow-up", after, people),
        {"leadership": ["model"]},
        3,
    )
    row = _row(change, "site", "North")
    assert row["method"] == PARTLY_PAIRED
    both = ids[2:11]
    low, high, df = _partover_ci(
        before.loc[ids[:2], "model"].to_numpy(),
        after.loc[ids[11:], "model"].to_numpy(),
        before.loc[both, "model"].to_numpy(),
        after.loc[both, "model"].to_numpy(),
    )
    assert (row["ci_low"], row["ci_high"], row["df"]) == pytest.approx((low, high, df), abs=1e-12)
    assert (row["n_before"], row["n_after"]) == (11, 12)
    # Pairing the people seen twice makes the interval narrower than treating the waves as
    # independent samples (R: t.test(after, before)).
    welch = stats.ttest_ind(after["model"], before["model"], equal_var=False)
    welch_low, welch_high = welch.confidence_interval()
    assert high - low < welch_high - welch_low


def test_different_people_give_welchs_interval() -> None:
    people = _people({"North": 16})
    scores = _scores(people, seed=5)
    ids = people["person_id"].tolist()
    before, after = scores.loc[ids[:8]], scores.loc[ids[8:]] + 0.4
    change = wave_change(
        _figures("baseline", before, people), _figures("follow-up", after, people), FAMILIES, 3
    )
    row = _row(change, "site", "North")
    assert row["method"] == WELCH
    # R: t.test(after, before), on each person's mean of the two practices.
    expected = stats.ttest_ind(
        after.mean(axis=1), before.mean(axis=1), equal_var=False
    ).confidence_interval()
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(expected), abs=1e-12)


def test_someone_not_scored_on_one_practice_keeps_the_published_figure() -> None:
    people = _people({"North": 10})
    before = _scores(people, seed=6)
    after = _follow_up(before, seed=7, rise=0.2)
    before.iloc[0, 1] = np.nan  # one person has no published score on one practice
    change = wave_change(
        _figures("baseline", before, people), _figures("follow-up", after, people), FAMILIES, 3
    )
    row = _row(change, "site", "North")
    # Before is the figure the baseline report shows: the mean of the practice means, each
    # over the people scored on it (10 and 9), not a mean over a smaller complete group.
    assert row["before"] == pytest.approx((before["model"].mean() + before["inspire"].mean()) / 2)
    assert row["method"] == PARTLY_PAIRED and row["n_before"] == 9
    # Nine people are complete at both waves: the interval sits between the paired interval
    # of those nine and nothing paired at all.
    nine = before.index[1:]
    paired = stats.ttest_rel(after.loc[nine].mean(axis=1), before.loc[nine].mean(axis=1))
    low, high = paired.confidence_interval()
    assert row["ci_low"] < row["change"] < row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 2 * (high - low)


def test_a_site_too_small_at_either_wave_shows_nothing() -> None:
    people = _people({"North": 8, "Shrinking": 3, "Growing": 3, "Pooled": 6})
    before = _scores(people, seed=8)
    after = _follow_up(before, seed=9, rise=0.2)
    # Shrinking keeps 2 people at the follow-up; Growing had 2 at baseline; Pooled has six
    # people rated by the same two raters at baseline (too few raters).
    after = after.drop(index=["Shrinking00"])
    before = before.drop(index=["Growing00"])
    change = wave_change(
        _figures("baseline", before, people, shared_raters={"Pooled": 2}),
        _figures("follow-up", after, people),
        FAMILIES,
        3,
        practices=LEAD,
        continuum=("leadership", "leadership", 3.0),
    )
    for site, wave in (("Shrinking", "follow-up"), ("Growing", "baseline"), ("Pooled", "baseline")):
        row = _row(change, "site", site)
        assert not row["shown"], site
        assert row[["before", "after", "change", "ci_low", "ci_high"]].isna().all(), site
        assert row["reason"] == f"not shown: too few people or raters in {wave}"
        position = change.positions.set_index(["by", "group"]).loc[("site", site)]
        assert not position["shown"]
        assert pd.isna(position["before"]) and pd.isna(position["after"])
    assert _row(change, "site", "North")["shown"]


def test_the_relationship_shows_only_when_every_organisation_does() -> None:
    people = _people({"North": 8, "South": 4}, organisations=("Client", "Client", "Client"))
    people.loc[people["person_id"].isin(["South00", "South01"]), "organisation"] = "Supplier"
    before = _scores(people, seed=10)
    after = _follow_up(before, seed=11, rise=0.1)
    change = wave_change(
        _figures("baseline", before, people),
        _figures("follow-up", after, people),
        FAMILIES,
        3,
        practices=LEAD,
    )
    # Supplier has two people: the whole relationship minus Client would give them away.
    assert not _row(change, "organisation", "Supplier")["shown"]
    assert not _row(change, RELATIONSHIP, RELATIONSHIP)["shown"]
    assert not _row(change, RELATIONSHIP, RELATIONSHIP, "model")["shown"]
    assert _row(change, "organisation", "Client")["shown"]
    people["organisation"] = "Client"
    change = wave_change(
        _figures("baseline", before, people),
        _figures("follow-up", after, people),
        FAMILIES,
        3,
        practices=LEAD,
    )
    whole = _row(change, RELATIONSHIP, RELATIONSHIP)
    assert whole["shown"] and whole["before"] == pytest.approx(before.mean().mean())
    practice = _row(change, RELATIONSHIP, RELATIONSHIP, "inspire")
    assert practice["kind"] == "practice"
    assert practice["after"] == pytest.approx(after["inspire"].mean())


def test_a_site_crossing_the_threshold_is_marked_moved() -> None:
    people = _people({"North": 6, "South": 6})
    before = _scores(people, seed=12)
    before.loc[before.index.str.startswith("North")] = 3.0
    after = before.copy()
    after.loc[after.index.str.startswith("North")] = 3.8
    families = {"leadership": ["model"], "management": ["inspire"]}
    change = wave_change(
        _figures("baseline", before, people),
        _figures("follow-up", after, people),
        families,
        3,
        continuum=("leadership", "management", 3.5),
    )
    north = change.positions.set_index(["by", "group"]).loc[("site", "North")]
    assert (north["before"], north["after"], north["moved"]) == ("neither", "both", True)
    south = change.positions.set_index(["by", "group"]).loc[("site", "South")]
    assert south["shown"] and not south["moved"]
    # Everyone changed by exactly +0.8: the change is published, its interval cannot be.
    row = _row(change, "site", "North")
    assert row["change"] == pytest.approx(0.8) and np.isnan(row["ci_low"])
    assert "same amount" in row["reason"]


# ---------------------------------------------------------------------------- engine


SMALL_SITE = "Monterrey"


@cache
def _engine() -> tuple[ReviewResults, ReviewResults, ReviewResults]:
    """Baseline and follow-up of a simulated review; at the follow-up only two people of
    one site were rated, so that site is below the minimum there."""
    simulated = small_simulation(11)
    baseline_data, follow_data = wave_data(simulated, 0), wave_data(simulated, 1)
    site_of = simulated.people.set_index("person_id")["site"]
    kept = simulated.people.loc[site_of.to_numpy() == SMALL_SITE, "person_id"].tolist()[:2]
    follow_data = _only_rated(follow_data, site_of, SMALL_SITE, kept)
    baseline = analyse_wave(baseline_data, 3)
    follow_up = analyse_wave(follow_data, 3)
    return baseline, follow_up, compare_with_baseline(follow_up, follow_data, baseline_data, 3)


def _only_rated(data: WaveData, site_of: pd.Series, site: str, kept: list[str]) -> WaveData:
    ratee = data.responses["ratee_id"].astype(str)
    drop = (ratee.map(site_of) == site) & ~ratee.isin(kept)
    keep = ~drop.to_numpy()
    return dataclasses.replace(
        data,
        responses=data.responses[keep].reset_index(drop=True),
        values=data.values[keep],
    )


def test_the_engine_compares_only_figures_each_wave_publishes() -> None:
    baseline, follow_up, compared = _engine()
    change = compared.change_since_baseline
    assert change is not None
    assert (change.baseline_wave, change.follow_up_wave) == (baseline.wave, follow_up.wave)
    assert follow_up.continuum is not None and baseline.continuum is not None
    published = {
        (by, wave): table.set_index("group")
        for wave, results in (("before", baseline), ("after", follow_up))
        for by, table in (
            ("site", results.continuum.table),
            ("organisation", results.continuum_by_organisation.table),  # type: ignore[union-attr]
        )
    }
    axis = {"leadership": "passion", "management": "system"}
    profiles = {
        (by, wave): getattr(results, f"{by}_profile").table
        for wave, results in (("before", baseline), ("after", follow_up))
        for by in ("site", "organisation")
    }
    shown = change.changes[change.changes["shown"] & (change.changes["kind"] == "family")]
    compared_rows = shown[shown["by"] != RELATIONSHIP]
    assert len(compared_rows) > 0
    for row in compared_rows.to_dict("records"):
        for wave in ("before", "after"):
            # Every value is the one the wave's own report shows, with its n.
            figure = published[(row["by"], wave)].loc[row["group"]]
            assert row[wave] == pytest.approx(figure[axis[row["measure"]]], abs=1e-12)
            cells = profiles[(row["by"], wave)]
            scales = [s.id for s in compared.scales_of(row["measure"])]
            cells = cells[(cells["group"] == row["group"]) & cells["scale_id"].isin(scales)]
            assert row[f"n_{wave}"] == cells["n_people"].min()
        assert row["ci_low"] < row["change"] < row["ci_high"]
    # The site too small at the follow-up shows nothing, although the baseline showed it.
    assert SMALL_SITE in published[("site", "before")].index
    assert SMALL_SITE not in published[("site", "after")].index
    hidden = change.changes[
        (change.changes["by"] == "site") & (change.changes["group"] == SMALL_SITE)
    ]
    assert len(hidden) == 2 and not hidden["shown"].any()
    assert hidden[["before", "after", "change", "ci_low", "ci_high"]].isna().all().all()


def test_the_planted_programme_effect_shows_as_a_rise_in_leadership() -> None:
    _, _, compared = _engine()
    change = compared.change_since_baseline
    assert change is not None
    lead = change.changes[
        (change.changes["by"] == RELATIONSHIP) & (change.changes["measure"] == "leadership")
    ].iloc[0]
    # The simulator plants a rise in leadership for the people developed between waves.
    assert lead["shown"] and lead["ci_low"] > 0
    assert lead["method"] in (PAIRED, PARTLY_PAIRED)


def test_waves_on_different_frameworks_are_not_compared() -> None:
    simulated = small_simulation(11)
    baseline_data, follow_data = wave_data(simulated, 0), wave_data(simulated, 1)
    content = follow_data.framework.model_dump(mode="json")
    other = Framework.model_validate({**content, "version": "9.9"})
    results = analyse_wave(follow_data, 3)
    moved = dataclasses.replace(baseline_data, framework=other)
    assert moved.framework.fingerprint != follow_data.framework.fingerprint
    assert compare_with_baseline(results, follow_data, moved, 3).change_since_baseline is None


def test_the_results_json_withholds_the_small_sites_change() -> None:
    _, _, compared = _engine()
    exported = results_to_dict(compared)["change_since_baseline"]
    hidden = [r for r in exported["changes"] if r["group"] == SMALL_SITE]
    assert hidden and all(r["shown"] is False and r["reason"] for r in hidden)
    assert all(r[k] is None for r in hidden for k in ("before", "after", "change", "ci_low"))
    assert all(r["n_before"] is not None for r in exported["changes"])
