"""The demo's individual reports: one person per level, programme participants among them."""

from __future__ import annotations

from builders import small_simulation, wave_data
from colead.analysis import analyse_wave
from colead.jobs.demo import DEMO_PARTICIPANTS, DEMO_PEOPLE, demo_people


def test_demo_people_include_participants_rated_in_both_waves_one_per_level() -> None:
    simulation = small_simulation(7)
    baseline = analyse_wave(wave_data(simulation, 0), 3)
    follow_up = analyse_wave(wave_data(simulation, 1), 3)
    people = simulation.people.set_index(simulation.people["person_id"].astype(str))
    enrolled = sorted(simulation.enrolments["person_id"].astype(str))
    chosen = demo_people(follow_up, simulation.people, participants=enrolled, earlier=baseline)

    assert len(chosen) == DEMO_PEOPLE
    levels = [int(people.loc[p, "level"]) for p in chosen]
    assert levels == sorted(set(levels))  # one per level, in level order
    table = baseline.person_scores.table
    shown_before = set(table.loc[table["group"] == "observers", "ratee_id"].astype(str))
    picked = [p for p in chosen if p in enrolled]
    assert 1 <= len(picked) <= DEMO_PARTICIPANTS
    assert all(p in shown_before for p in picked)
    # without participants it is the most observed person of each level
    counts = follow_up.person_scores.observer_counts.max(axis=1)
    for person in demo_people(follow_up, simulation.people):
        level = people.loc[person, "level"]
        peers = [p for p in counts.index.astype(str) if people.loc[p, "level"] == level]
        assert counts[person] == max(counts[p] for p in peers)
