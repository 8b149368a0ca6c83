"""The v1 review analysis recovers what the simulator planted."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from builders import small_simulation, wave_data
from colead.analysis import QUADRANTS, ReviewResults, analyse_wave
from colead.simulation.review import SimulatedReview

LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]


@cache
def _baseline() -> tuple[SimulatedReview, ReviewResults]:
    simulated = small_simulation(seed=11)
    return simulated, analyse_wave(wave_data(simulated, 0), minimum=3)


def test_planted_site_effects_are_visible_in_the_site_profile() -> None:
    simulated, results = _baseline()
    measured = results.site_profile.wide("mean")[LEADERSHIP].mean(axis=1)
    planted = simulated.truth.site_effects[LEADERSHIP].mean(axis=1)
    joined = pd.concat([measured.rename("measured"), planted.rename("planted")], axis=1).dropna()
    assert len(joined) == simulated.people["site"].nunique()
    assert np.corrcoef(joined["measured"], joined["planted"])[0, 1] > 0.85
    # The spread of site means follows the planted spread (within sampling error).
    assert 0.5 < joined["measured"].std() / joined["planted"].std() < 1.6


def test_every_site_shows_all_five_practices_with_n() -> None:
    simulated, results = _baseline()
    table = results.site_profile.table
    leadership = table[table["scale_id"].isin(LEADERSHIP)]
    assert leadership["shown"].all()
    assert set(leadership["group"]) == set(simulated.people["site"])
    assert (leadership.groupby("group").size() == 5).all()
    assert (leadership["n_people"] >= 3).all() and (leadership["n_raters"] >= 3).all()


def test_management_is_sounder_and_less_variable_than_leadership() -> None:
    _, results = _baseline()
    wide = results.site_profile.wide("mean")
    management = wide[["plan", "govern", "monitor", "competence", "comply"]].mean(axis=1)
    leadership = wide[LEADERSHIP].mean(axis=1)
    assert management.mean() > leadership.mean()
    assert management.std() < leadership.std()


def test_participation_counts_every_nomination_once() -> None:
    simulated, results = _baseline()
    wave = simulated.waves[0]
    part = results.participation
    assert part.invited == len(wave.nominations)
    assert part.completed == len(wave.responses)
    assert part.by_relation["invited"].sum() == part.invited
    assert part.by_site["completed"].sum() == part.completed


def test_continuum_places_every_site_in_a_quadrant() -> None:
    simulated, results = _baseline()
    assert results.continuum is not None
    table = results.continuum.table
    assert set(table["quadrant"]) <= set(QUADRANTS)
    assert len(table) == simulated.people["site"].nunique()
    assert results.continuum.threshold == 3.5


def test_small_groups_are_listed_but_not_shown() -> None:
    simulated = small_simulation(seed=11)
    data = wave_data(simulated, 0)
    people = data.people.copy()
    lonely = people.index[:2]
    people.loc[lonely, "site"] = "Tiny outpost"
    tiny = analyse_wave(
        type(data)(
            data.review,
            data.wave,
            data.framework,
            people,
            data.assignments,
            data.responses,
            data.values,
        ),
        minimum=3,
    )
    rows = tiny.site_profile.table[tiny.site_profile.table["group"] == "Tiny outpost"]
    assert len(rows) and not rows["shown"].any() and rows["mean"].isna().all()
    assert "Tiny outpost" not in tiny.site_profile.wide().index
    assert "Tiny outpost" not in set(tiny.continuum.table["group"]) if tiny.continuum else True


def test_systems_come_from_self_forms_about_each_site() -> None:
    simulated, results = _baseline()
    wide = results.systems_by_site.wide("mean")
    truth = simulated.truth.site_systems.loc[wide.index, wide.columns]
    r = np.corrcoef(wide.to_numpy().ravel(), truth.to_numpy().ravel())[0, 1]
    assert r > 0.5


def test_organisations_get_a_passion_and_system_position() -> None:
    simulated, results = _baseline()
    assert results.continuum_by_organisation is not None
    table = results.continuum_by_organisation.table
    assert set(table["group"]) == set(simulated.people["organisation"])
    assert (table["n_people"] >= 3).all()
