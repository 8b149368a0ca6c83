"""Degenerate reviews give defined results with reasons, never an exception."""

from __future__ import annotations

import numpy as np

from builders import small_simulation, wave_data
from colead.analysis import WaveData, analyse_wave
from colead.analysis.export import results_to_dict
from colead.domain import BLANK


def _with(data: WaveData, **changes: object) -> WaveData:
    fields = {
        "review": data.review,
        "wave": data.wave,
        "framework": data.framework,
        "people": data.people,
        "assignments": data.assignments,
        "responses": data.responses,
        "values": data.values,
    } | changes
    return WaveData(**fields)  # type: ignore[arg-type]


def test_a_single_site_cannot_say_whether_sites_differ() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    people = data.people.assign(site="Only site")
    results = analyse_wave(_with(data, people=people), 3)
    variability = results.measurement.site_variability  # type: ignore[union-attr]
    assert variability["icc1"].isna().all()
    assert variability["reason"].str.contains("fewer than 2 groups").all()
    assert variability["verdict"].str.startswith("cannot tell").all()
    results_to_dict(results)


def test_all_answers_missing() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    results = analyse_wave(_with(data, values=np.full_like(data.values, BLANK)), 3)
    reliability = results.measurement.reliability  # type: ignore[union-attr]
    assert reliability["alpha"].isna().all() and reliability["reason"].notna().all()
    assert results.person_scores.table.empty
    assert (
        not results.site_profile.table["shown"].any() if len(results.site_profile.table) else True
    )
    results_to_dict(results)


def test_constant_answers() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    results = analyse_wave(_with(data, values=np.full_like(data.values, 4)), 3)
    reliability = results.measurement.reliability  # type: ignore[union-attr]
    assert reliability["alpha"].isna().all()
    assert reliability["reason"].str.contains("no variance").all()
    assert results.site_profile.table["sd"].fillna(0).eq(0).all()


def test_a_review_of_four_people() -> None:
    data = wave_data(small_simulation(seed=11), 0)
    keep = set(data.people["person_id"][:4])
    forms = data.responses["ratee_id"].isin(keep) & data.responses["rater_id"].isin(keep)
    nominated = data.assignments["ratee_id"].isin(keep) & data.assignments["rater_id"].isin(keep)
    small = _with(
        data,
        people=data.people[data.people["person_id"].isin(keep)],
        assignments=data.assignments[nominated],
        responses=data.responses[forms].reset_index(drop=True),
        values=data.values[forms.to_numpy()],
    )
    results = analyse_wave(small, 3)
    groups = set(results.person_scores.table["group"])
    assert groups <= {"self", "manager", "peer", "others", "observers", "direct_report"}
    results_to_dict(results)
