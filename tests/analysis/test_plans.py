"""Focus practices of development plans: lowest observer means plus blind spots."""

from __future__ import annotations

import math
from functools import cache

import pandas as pd
import pytest

from builders import small_simulation, wave_data
from colead.analysis import ReviewResults, analyse_wave
from colead.analysis.plans import BLIND, LOWEST, focus_practices

LEADERSHIP = ["model", "inspire", "challenge", "enable", "encourage"]


@cache
def _results() -> ReviewResults:
    return analyse_wave(wave_data(small_simulation(seed=11), 0), minimum=3)


def _table(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ratee_id", "scale_id", "group", "n_raters", "mean"])


def _loop_focus(table: pd.DataFrame, scales: list[str], margin: float) -> dict[str, list[str]]:
    """Independent plain-loop version of the rule: sort observer means by (mean, framework
    position), keep three, then append self - observers >= margin practices in order."""
    observers: dict[str, dict[str, float]] = {}
    selves: dict[str, dict[str, float]] = {}
    for rec in table.to_dict("records"):
        if rec["scale_id"] not in scales or not math.isfinite(rec["mean"]):
            continue
        if rec["group"] == "observers":
            observers.setdefault(str(rec["ratee_id"]), {})[rec["scale_id"]] = rec["mean"]
        elif rec["group"] == "self":
            selves.setdefault(str(rec["ratee_id"]), {})[rec["scale_id"]] = rec["mean"]
    found: dict[str, list[str]] = {}
    for person, means in observers.items():
        ranked = sorted(means, key=lambda s: (means[s], scales.index(s)))
        picks = ranked[:3]
        for s in scales:
            own = selves.get(person, {}).get(s)
            blind = s in means and own is not None and own - means[s] >= margin - 1e-12
            if blind and s not in picks:
                picks.append(s)
        found[person] = picks
    return found


def test_lowest_three_then_blind_spots_with_reasons() -> None:
    table = _table(
        [
            ("A", "model", "observers", 4, 3.0),
            ("A", "inspire", "observers", 4, 2.5),
            ("A", "challenge", "observers", 4, 3.5),
            ("A", "enable", "observers", 4, 2.8),
            ("A", "encourage", "observers", 4, 4.0),
            ("A", "encourage", "self", 1, 4.6),  # blind spot outside the lowest three
            ("A", "inspire", "self", 1, 3.2),  # blind spot inside the lowest three
            ("A", "plan", "observers", 4, 1.0),  # management: not a leadership practice
        ]
    )
    (person,) = focus_practices(table, LEADERSHIP, margin=0.5).items()
    assert person[0] == "A"
    got = [(f.scale_id, f.reasons) for f in person[1]]
    assert got == [
        ("inspire", (LOWEST, BLIND)),
        ("enable", (LOWEST,)),
        ("model", (LOWEST,)),
        ("encourage", (BLIND,)),
    ]
    assert person[1][0].self_score == pytest.approx(3.2)
    assert person[1][0].n_observers == 4


def test_ties_follow_framework_order_and_hidden_observers_give_no_focus() -> None:
    table = _table(
        [
            ("A", "encourage", "observers", 3, 3.0),
            ("A", "model", "observers", 3, 3.0),
            ("A", "enable", "observers", 3, 3.0),
            ("A", "inspire", "observers", 3, 3.0),
            ("B", "model", "self", 1, 5.0),  # only self shown: nothing to base a plan on
            ("C", "model", "observers", 3, float("nan")),
        ]
    )
    found = focus_practices(table, LEADERSHIP)
    assert list(found) == ["A"]
    assert [f.scale_id for f in found["A"]] == ["model", "inspire", "enable"]


def test_matches_a_plain_loop_on_a_simulated_wave() -> None:
    results = _results()
    table = results.person_scores.table
    found = focus_practices(table, LEADERSHIP, margin=0.5)
    expected = _loop_focus(table, LEADERSHIP, 0.5)
    assert {p: [f.scale_id for f in v] for p, v in found.items()} == expected
    assert len(found) > 10
    # the planted self-inflation leaves some blind spots beyond the lowest three
    assert any(len(v) > 3 for v in found.values())


def test_is_deterministic_and_checks_its_arguments() -> None:
    table = _results().person_scores.table
    shuffled = table.sample(frac=1.0, random_state=3)
    assert focus_practices(shuffled, LEADERSHIP) == focus_practices(table, LEADERSHIP)
    with pytest.raises(ValueError, match="negative"):
        focus_practices(table, LEADERSHIP, lowest=-1)
