"""The analyse job gives a stored follow-up wave its change since the (closed) first wave."""

from __future__ import annotations

from sqlalchemy import Engine

from builders import default_framework, small_simulation
from colead.domain import WaveStatus
from colead.jobs.analyse import analyse_review
from colead.jobs.demo import StoredSimulation, store_simulation
from colead.store import transaction
from colead.store.reviews import get_review
from colead.store.waves import get_wave, set_wave_status


def _stored(engine: Engine) -> StoredSimulation:
    return store_simulation(engine, small_simulation(11), default_framework())


def test_a_follow_up_is_compared_with_the_first_waves_published_figures(engine: Engine) -> None:
    stored = _stored(engine)
    first, later = stored.waves[0], stored.waves[-1]
    baseline = analyse_review(engine, stored.review, first, 3)
    follow_up = analyse_review(engine, stored.review, later, 3)
    assert baseline.change_since_baseline is None
    change = follow_up.change_since_baseline
    assert change is not None
    assert (change.baseline_wave, change.follow_up_wave) == (first, later)
    assert baseline.continuum is not None
    passion = baseline.continuum.table.set_index("group")["passion"]
    rows = change.changes[
        (change.changes["by"] == "site") & (change.changes["measure"] == "leadership")
    ]
    shown = rows[rows["shown"].astype(bool)]
    assert len(shown) == len(passion)
    for rec in shown.to_dict("records"):
        assert abs(rec["before"] - passion[rec["group"]]) < 1e-12


def test_a_first_wave_that_is_open_again_is_not_compared(engine: Engine) -> None:
    stored = _stored(engine)
    with transaction(engine) as session:
        wave = get_wave(session, get_review(session, stored.review), stored.waves[0])
        set_wave_status(wave, WaveStatus.open, opened_at=wave.opened_at, closed_at=None)
    follow_up = analyse_review(engine, stored.review, stored.waves[-1], 3)
    assert follow_up.change_since_baseline is None
    assert any(
        note.startswith("No change since baseline is shown") and "not closed" in note
        for note in follow_up.notes
    )
