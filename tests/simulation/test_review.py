"""The simulator: structure of its tables, determinism, and recovery of planted effects."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from colead.domain import BLANK, NOT_OBSERVED, Relation
from colead.framework import Family, Framework, Item, Scale, load_framework
from colead.framework.model import RatedUnit, ResponseScale, ScalePoint
from colead.simulation.review import SIZES, SimulatedReview, SimulatedWave, SizeSpec, simulate


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


@pytest.fixture(scope="module")
def small(framework: Framework) -> SimulatedReview:
    return simulate(framework, "small", seed=11)


@pytest.fixture(scope="module")
def medium(framework: Framework) -> SimulatedReview:
    return simulate(framework, "medium", seed=5)


def _family_mask(framework: Framework, family: str) -> np.ndarray:
    return np.array([framework.scale_family[s] == family for s in framework.item_scale])


def _form_means(framework: Framework, wave: SimulatedWave, family: str) -> pd.DataFrame:
    """Responses with the mean of the answered items of one family on each form."""
    values = wave.values[:, _family_mask(framework, family)].astype(float)
    values[values < 0] = np.nan
    answered = np.isfinite(values).sum(axis=1)
    sums = np.nansum(values, axis=1)
    means = np.divide(sums, answered, out=np.full(sums.shape, np.nan), where=answered > 0)
    return wave.responses.assign(score=means)


def _observer_means(framework: Framework, wave: SimulatedWave, family: str) -> pd.Series:
    forms = _form_means(framework, wave, family)
    return forms[forms["relation"] != Relation.self.value].groupby("ratee_id")["score"].mean()


def _leadership_scales(framework: Framework) -> list[str]:
    return [s.id for s in framework.family("leadership").scales]


# --- sizes and determinism ------------------------------------------------------------------


def test_size_table() -> None:
    assert SIZES["small"] == SizeSpec(people=300, sites=8, organisations=2, periods=8)
    assert SIZES["medium"] == SizeSpec(people=3000, sites=24, organisations=3, periods=8)
    assert SIZES["large"] == SizeSpec(people=20000, sites=80, organisations=3, periods=8)


def test_small_has_about_300_people_on_8_sites(small: SimulatedReview) -> None:
    assert 270 <= len(small.people) <= 330
    assert len(small.sites) == 8
    assert small.size == "small" and small.seed == 11
    assert list(small.organisations["organisation_role"]) == ["client", "supplier"]
    assert small.name.startswith("Demo: ") and "seed 11, small" in small.name


def test_medium_has_a_partner_organisation(medium: SimulatedReview) -> None:
    assert 2700 <= len(medium.people) <= 3300
    assert list(medium.organisations["organisation_role"]) == ["client", "supplier", "partner"]
    assert medium.sites["region"].nunique() == 3


def test_same_seed_gives_identical_data(framework: Framework) -> None:
    a, b = simulate(framework, "small", seed=3), simulate(framework, "small", seed=3)
    assert a.name == b.name
    for table in ("organisations", "sites", "people", "kpis", "enrolments"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    for wave_a, wave_b in zip(a.waves, b.waves, strict=True):
        pd.testing.assert_frame_equal(wave_a.nominations, wave_b.nominations)
        pd.testing.assert_frame_equal(wave_a.responses, wave_b.responses)
        assert np.array_equal(wave_a.values, wave_b.values)
    pd.testing.assert_frame_equal(a.truth.person_true, b.truth.person_true)
    pd.testing.assert_frame_equal(a.truth.site_effects, b.truth.site_effects)
    assert a.truth.enrolled == b.truth.enrolled
    assert a.programme == b.programme


def test_different_seeds_give_different_data(framework: Framework) -> None:
    a, b = simulate(framework, "small", seed=1), simulate(framework, "small", seed=2)
    assert not a.people["name"].equals(b.people["name"])
    assert not np.allclose(a.truth.site_effects.to_numpy(), b.truth.site_effects.to_numpy())
    n = min(len(a.waves[0].values), len(b.waves[0].values))
    assert not np.array_equal(a.waves[0].values[:n], b.waves[0].values[:n])


def test_bad_arguments_are_refused(framework: Framework) -> None:
    with pytest.raises(ValueError, match="unknown size"):
        simulate(framework, "huge")
    with pytest.raises(ValueError, match="seed"):
        simulate(framework, "small", seed=-1)
    with pytest.raises(ValueError):
        simulate(framework, SizeSpec(people=300, sites=8, organisations=4, periods=8))


# --- tables -------------------------------------------------------------------------------


def test_table_columns_and_dtypes(small: SimulatedReview, framework: Framework) -> None:
    people = small.people
    assert list(people.columns) == [
        "person_id",
        "name",
        "email",
        "organisation",
        "organisation_role",
        "site",
        "role_title",
        "level",
        "manager_id",
    ]
    assert pd.api.types.is_integer_dtype(people["level"])
    assert people["manager_id"].map(lambda v: v is None or isinstance(v, str)).all()
    assert people["person_id"].str.fullmatch(r"P\d{5}").all() and people["person_id"].is_unique
    assert people["email"].is_unique
    assert people["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d*@[a-z]+\.example").all()
    assert set(people["site"]) == set(small.sites["site"])
    assert list(small.sites.columns) == ["site", "region"]
    assert list(small.organisations.columns) == ["organisation", "organisation_role"]
    assert len(small.waves) == 2
    assert [w.name for w in small.waves] == ["baseline", "follow-up"]
    for wave in small.waves:
        assert list(wave.nominations.columns) == ["wave", "ratee_id", "rater_id", "relation"]
        assert list(wave.responses.columns) == [
            "wave",
            "ratee_id",
            "rater_id",
            "relation",
            "comment_strengths",
            "comment_suggestions",
        ]
        assert (wave.nominations["wave"] == wave.name).all()
        assert set(wave.nominations["relation"]) <= {r.value for r in Relation}
        assert wave.values.dtype == np.int8
        assert wave.values.shape == (len(wave.responses), len(framework.item_ids))
    kpis = small.kpis
    assert list(kpis.columns) == ["site", "period", "kpi", "value", "higher_is_better", "target"]
    assert pd.api.types.is_bool_dtype(kpis["higher_is_better"])
    assert pd.api.types.is_float_dtype(kpis["target"]) and kpis["target"].isna().any()
    assert list(small.enrolments.columns) == ["person_id", "programme", "start", "end", "completed"]
    assert pd.api.types.is_bool_dtype(small.enrolments["completed"])


def test_levels_form_a_pyramid_with_managers_one_level_up(small: SimulatedReview) -> None:
    people = small.people.set_index("person_id")
    counts = people["level"].value_counts().sort_index()
    assert list(counts.index) == [1, 2, 3, 4, 5]
    assert counts[5] == counts.max() and counts[1] == counts.min()
    assert counts[5] > len(people) / 2
    top = people[people["level"] == 1]
    assert top["manager_id"].isna().all()
    rest = people[people["level"] > 1]
    managers = people.loc[rest["manager_id"]]
    assert (managers["level"].to_numpy() == rest["level"].to_numpy() - 1).all()
    assert (managers["organisation"].to_numpy() == rest["organisation"].to_numpy()).all()
    # Below the site managers, everybody reports to someone at their own site.
    lower = rest["level"].to_numpy() > 2
    assert (managers["site"].to_numpy()[lower] == rest["site"].to_numpy()[lower]).all()


def test_sites_have_client_and_supplier_staff(small: SimulatedReview) -> None:
    mix = pd.crosstab(small.people["site"], small.people["organisation_role"])
    assert (mix["client"] > 0).all() and (mix["supplier"] > mix["client"]).all()
    share = (small.people["organisation_role"] == "client").mean()
    assert 0.15 < share < 0.35


# --- nominations and responses ---------------------------------------------------------------


def test_nomination_rules(small: SimulatedReview) -> None:
    people = small.people.set_index("person_id")
    noms = small.waves[0].nominations
    assert not noms.duplicated(["wave", "ratee_id", "rater_id"]).any()
    is_self = noms["relation"] == "self"
    assert (noms.loc[is_self, "ratee_id"] == noms.loc[is_self, "rater_id"]).all()
    assert (noms.loc[~is_self, "ratee_id"] != noms.loc[~is_self, "rater_id"]).all()
    assert set(noms.loc[is_self, "ratee_id"]) == set(people.index)  # everyone is a ratee
    org = people["organisation"]

    def pairs(relation: str) -> pd.DataFrame:
        return noms[noms["relation"] == relation]

    partner = pairs("partner")
    assert (org[partner["ratee_id"]].to_numpy() != org[partner["rater_id"]].to_numpy()).all()
    site = people["site"]
    assert (site[partner["ratee_id"]].to_numpy() == site[partner["rater_id"]].to_numpy()).all()
    peer = pairs("peer")
    assert (org[peer["ratee_id"]].to_numpy() == org[peer["rater_id"]].to_numpy()).all()
    manager = pairs("manager")
    assert (people.loc[manager["ratee_id"], "manager_id"].to_numpy() == manager["rater_id"]).all()
    reports = pairs("direct_report")
    assert (people.loc[reports["rater_id"], "manager_id"].to_numpy() == reports["ratee_id"]).all()


def test_relation_counts_are_plausible(small: SimulatedReview) -> None:
    noms = small.waves[0].nominations
    n = len(small.people)
    counts = noms["relation"].value_counts()
    assert set(counts.index) == {r.value for r in Relation}
    assert counts["self"] == n
    assert counts["manager"] == small.people["manager_id"].notna().sum()
    assert 3.0 * n < counts["peer"] <= 4 * n
    assert 2.0 * n <= counts["partner"] <= 3 * n
    assert counts["other"] < 0.2 * n
    per_ratee = noms.groupby("ratee_id").size()
    assert 7 <= per_ratee.mean() <= 12 and per_ratee.min() >= 5


def test_responses_come_from_nominations(small: SimulatedReview) -> None:
    base, follow = small.waves
    key = ["ratee_id", "rater_id", "relation"]
    pd.testing.assert_frame_equal(base.nominations[key], follow.nominations[key])
    for wave in small.waves:
        merged = wave.responses.merge(
            wave.nominations, on=["wave", *key], how="left", indicator=True
        )
        assert (merged["_merge"] == "both").all()
        rate = len(wave.responses) / len(wave.nominations)
        assert 0.8 < rate < 0.92
        self_rate = (wave.responses["relation"] == "self").sum() / len(small.people)
        assert self_rate > 0.9
    assert not base.responses[key].equals(follow.responses[key])  # fresh draw of responders


def test_value_codes_and_missing(small: SimulatedReview, framework: Framework) -> None:
    systems = _family_mask(framework, "systems")
    management = _family_mask(framework, "management")
    for wave in small.waves:
        values = wave.values
        assert set(np.unique(values)) <= {1, 2, 3, 4, 5, BLANK, NOT_OBSERVED}
        is_self = (wave.responses["relation"] == "self").to_numpy()
        assert (values[np.ix_(~is_self, systems)] == BLANK).all()
        assert (values[np.ix_(is_self, systems)] > 0).mean() > 0.9
        person = values[:, ~systems]
        assert 0.015 < (person == BLANK).mean() < 0.04
        assert 0.01 < (person == NOT_OBSERVED).mean() < 0.06
        partner = (wave.responses["relation"] == "partner").to_numpy()
        partner_mgmt = values[np.ix_(partner, management)]
        assert (partner_mgmt == NOT_OBSERVED).mean() > (person == NOT_OBSERVED).mean()


def test_to_wide(small: SimulatedReview, framework: Framework) -> None:
    wave = small.waves[0]
    wide = wave.to_wide(framework)
    ids = list(framework.item_ids)
    assert list(wide.columns) == [
        "wave",
        "ratee_id",
        "rater_id",
        "relation",
        *ids,
        "comment_strengths",
        "comment_suggestions",
    ]
    assert len(wide) == len(wave.responses)
    items = wide[ids]
    assert all(pd.api.types.is_integer_dtype(t) for t in items.dtypes)
    assert np.array_equal(items.isna().to_numpy(), wave.values < 0)
    answered = wave.values >= 0
    assert np.array_equal(
        items.to_numpy(dtype=float, na_value=np.nan)[answered], wave.values[answered]
    )
    with pytest.raises(ValueError):
        SimulatedWave("x", wave.nominations, wave.responses, wave.values[:, :3]).to_wide(framework)


def test_comments(small: SimulatedReview) -> None:
    responses = small.waves[0].responses
    for column, share in (("comment_strengths", 0.40), ("comment_suggestions", 0.35)):
        texts = responses[column]
        assert texts.map(lambda v: v is None or isinstance(v, str)).all()
        assert abs(texts.notna().mean() - share) < 0.05
        written = texts.dropna()
        assert written.str.len().between(10, 120).all()
        assert written.nunique() > 5
    assert responses["comment_suggestions"].dropna().str.startswith("Could ").all()
    surnames = set(small.people["name"].str.split().str[-1])
    all_text = " ".join(responses["comment_strengths"].dropna().unique())
    assert not any(re.search(rf"\b{s}\b", all_text) for s in surnames)


# --- planted effects ---------------------------------------------------------------------------


def test_case_study_shape(small: SimulatedReview, framework: Framework) -> None:
    truth = small.truth
    lead = _leadership_scales(framework)
    mgmt = [s.id for s in framework.family("management").scales]
    assert 3.1 < np.mean([truth.scale_means[s] for s in lead]) < 3.4  # below par
    assert np.mean([truth.scale_means[s] for s in mgmt]) > 3.6  # management sound
    # Leadership varies across sites far more than management does.
    assert truth.site_effects[lead].mean(axis=1).std() > 0.25
    assert truth.site_effects[mgmt].mean(axis=1).std() < 0.15
    observed_lead = _form_means(framework, small.waves[0], "leadership")["score"].mean()
    observed_mgmt = _form_means(framework, small.waves[0], "management")["score"].mean()
    assert observed_mgmt > observed_lead + 0.2
    # Leading without a title: many front-line people out-lead the average executive.
    true_lead = truth.person_true[lead].mean(axis=1)
    level = small.people.set_index("person_id")["level"]
    assert (true_lead[level == 5] > true_lead[level <= 2].mean()).mean() > 0.15
    assert set(truth.site_systems.columns) == {s.id for s in framework.family("systems").scales}


def test_site_effects_are_recoverable(small: SimulatedReview, framework: Framework) -> None:
    observed = _observer_means(framework, small.waves[0], "leadership")
    site = small.people.set_index("person_id")["site"]
    by_site = observed.groupby(site.reindex(observed.index).to_numpy()).mean()
    planted = small.truth.site_effects[_leadership_scales(framework)].mean(axis=1)
    r = np.corrcoef(by_site.reindex(planted.index).to_numpy(), planted.to_numpy())[0, 1]
    assert r > 0.8


def test_self_ratings_are_inflated(small: SimulatedReview, framework: Framework) -> None:
    forms = _form_means(framework, small.waves[0], "leadership")
    self_score = forms[forms["relation"] == "self"].set_index("ratee_id")["score"]
    others = _observer_means(framework, small.waves[0], "leadership")
    gap = (self_score - others).dropna().mean()
    # Clipping at the top of the scale and blanks take a little off the planted bonus.
    assert abs(gap - small.truth.self_inflation) < 0.12


def test_programme_effect_is_recoverable(medium: SimulatedReview, framework: Framework) -> None:
    truth = medium.truth
    base, follow = (_observer_means(framework, w, "leadership") for w in medium.waves)
    change = (follow - base).dropna()
    enrolled = change.index.isin(sorted(truth.enrolled))
    gain = change[enrolled].mean() - change[~enrolled].mean()
    planted = np.mean([truth.programme_effect[s] for s in _leadership_scales(framework)])
    # Non-completers gain half and clipping at 5 trims a little: expect slightly under.
    # The standard error of the difference is about 0.015 for medium.
    assert abs(gain - planted) < 0.1
    assert change[~enrolled].mean() == pytest.approx(truth.general_drift, abs=0.05)
    mgmt = [s.id for s in framework.family("management").scales]
    assert all(truth.programme_effect[s] == 0.0 for s in mgmt)
    assert max(truth.programme_effect, key=truth.programme_effect.__getitem__) == "enable"


def test_enrolment_spans_levels(small: SimulatedReview, medium: SimulatedReview) -> None:
    for review in (small, medium):
        people = review.people.set_index("person_id")
        enrolled = review.enrolments["person_id"]
        assert set(enrolled) == review.truth.enrolled
        assert people.loc[enrolled, "level"].nunique() >= 4
        assert 0.15 < len(enrolled) / len(people) < 0.3
        completed = review.enrolments["completed"].mean()
        assert 0.75 < completed < 0.99
        done = set(review.enrolments.loc[review.enrolments["completed"], "person_id"])
        assert done == review.truth.completed


def test_programme_runs_between_the_waves(small: SimulatedReview) -> None:
    programme = small.programme
    assert {"name", "provider", "start", "end", "cost_per_participant"} <= set(programme)
    base, follow = (w.period for w in small.waves)
    assert (base, follow) == ("2024-Q4", "2025-Q4")
    assert "2025-01-01" <= str(programme["start"]) < str(programme["end"]) < "2025-10-01"
    enrolments = small.enrolments
    assert (enrolments["start"] >= programme["start"]).all()
    assert (enrolments["end"] <= programme["end"]).all()


def test_kpis_follow_site_leadership(small: SimulatedReview) -> None:
    kpis = small.kpis
    assert len(kpis) == len(small.sites) * 8 * kpis["kpi"].nunique()
    assert sorted(kpis["period"].unique())[0] == "2024-Q1"
    site_mean = kpis.groupby(["site", "kpi"])["value"].mean().unstack()
    leadership = small.truth.site_leadership["baseline"]
    for kpi, slope in small.truth.kpi_leadership_slope.items():
        r = np.corrcoef(site_mean.loc[leadership.index, kpi], leadership)[0, 1]
        assert np.sign(r) == np.sign(slope)
        higher = bool(kpis.loc[kpis["kpi"] == kpi, "higher_is_better"].iloc[0])
        assert (slope > 0) == higher  # better leadership, better KPI


# --- any framework ---------------------------------------------------------------------------


def _tiny_framework() -> Framework:
    """One person family on a 0..10 scale and no site family."""

    def scale(sid: str) -> Scale:
        items = [
            Item(id=f"{sid}_{i}", text=f"Does thing {i}.", self_text=f"I do thing {i}.")
            for i in (1, 2, 3)
        ]
        return Scale(id=sid, title=f"Practice {sid}", items=items)

    points = [ScalePoint(value=v, label=str(v)) for v in range(11)]
    return Framework(
        id="tiny",
        version="1.0",
        title="Tiny",
        response_scale=ResponseScale(points=points),
        families=[
            Family(id="habits", title="Habits", rates=RatedUnit.person, scales=[scale("aa")]),
            Family(id="routines", title="Routines", rates=RatedUnit.person, scales=[scale("bb")]),
        ],
    )


def test_any_framework_with_a_person_family() -> None:
    tiny = _tiny_framework()
    review = simulate(tiny, SizeSpec(people=150, sites=4, organisations=2, periods=8), seed=2)
    assert review.size == "custom"
    values = review.waves[0].values
    assert values.shape[1] == 6
    answered = values[values >= 0]
    assert answered.min() >= 0 and answered.max() <= 10 and answered.max() > 5
    assert review.truth.site_systems.shape == (4, 0)
    assert review.truth.programme_effect["aa"] > 0 and review.truth.programme_effect["bb"] == 0
    comments = review.waves[0].responses["comment_strengths"].dropna()
    assert comments.str.contains("practice").all()
