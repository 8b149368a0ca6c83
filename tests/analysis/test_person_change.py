"""Change of a person's practices between two waves, with the reliable change index.

The index is checked against Jacobson & Truax (1991), computed here by hand:
``RCI = (post - pre) / (sqrt(2) * sd * sqrt(1 - rxx))`` (R: ``(post - pre) / (sqrt(2) *
sd0 * sqrt(1 - rxx))``), with the earlier wave's alpha as ``rxx`` and the SD of its
people's observer means as ``sd``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from colead.analysis.person_change import (
    CHANGE_COLUMNS,
    ChangeBasis,
    RaterContinuity,
    change_basis,
    person_changes,
    practice_changes,
    rater_continuity,
)


def _table(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    """A published person table from (ratee, scale, group, n raters, mean) rows."""
    frame = pd.DataFrame(rows, columns=["ratee_id", "scale_id", "group", "n_raters", "mean"])
    return frame.assign(sd=0.5)


BASIS = ChangeBasis(
    reliability={"model": 0.85, "plan": 0.64},
    sd_baseline={"model": 0.60, "plan": 0.35},
    n_people={"model": 40, "plan": 40},
)


def _jacobson_truax(pre: float, post: float, sd: float, rxx: float) -> float:
    return (post - pre) / (math.sqrt(2) * sd * math.sqrt(1 - rxx))


def test_change_and_rci_follow_jacobson_and_truax() -> None:
    before = _table(
        [
            ("A", "model", "observers", 6, 3.00),
            ("A", "plan", "observers", 6, 3.50),
            ("A", "model", "peer", 3, 2.90),  # groups other than all observers are not compared
            ("B", "model", "observers", 4, 3.40),
        ]
    )
    after = _table(
        [
            ("A", "model", "observers", 7, 3.80),
            ("A", "plan", "observers", 5, 3.40),
            ("B", "model", "observers", 5, 3.10),
        ]
    )
    found = practice_changes(before, after, BASIS, ["model", "plan"]).set_index(
        ["ratee_id", "scale_id"]
    )
    assert list(found.reset_index().columns) == CHANGE_COLUMNS
    expected = {
        ("A", "model"): (3.00, 3.80, 0.85, 0.60),
        ("A", "plan"): (3.50, 3.40, 0.64, 0.35),
        ("B", "model"): (3.40, 3.10, 0.85, 0.60),
    }
    for key, (pre, post, rxx, sd) in expected.items():
        row = found.loc[key]
        rci = _jacobson_truax(pre, post, sd, rxx)
        assert row["change"] == pytest.approx(post - pre)
        assert row["rci"] == pytest.approx(rci)
        category = "improved" if rci > 1.96 else ("deteriorated" if rci < -1.96 else "unchanged")
        assert row["category"] == category
    assert found.loc[("A", "model"), "category"] == "improved"  # 0.80 / 0.3286 = 2.43
    assert found.loc[("A", "model"), ["n_before", "n_after"]].tolist() == [6, 7]
    assert len(found) == 3


def test_a_practice_withheld_in_either_wave_gets_no_change() -> None:
    before = _table([("A", "model", "observers", 3, 3.0), ("A", "model", "self", 1, 4.0)])
    after = _table([("A", "plan", "observers", 4, 3.6), ("A", "model", "manager", 1, 3.5)])
    found = practice_changes(before, after, BASIS, ["model", "plan"]).set_index("scale_id")
    assert found.loc["model", "n_after"] == 0 and math.isnan(found.loc["model", "after"])
    assert found.loc["plan", "n_before"] == 0 and math.isnan(found.loc["plan", "before"])
    for scale in ("model", "plan"):
        assert math.isnan(found.loc[scale, "change"]) and math.isnan(found.loc[scale, "rci"])
        assert found.loc[scale, "category"] is None


def test_an_unknown_reliability_keeps_the_change_and_gives_a_reason() -> None:
    basis = ChangeBasis({}, {"model": 0.6}, {"model": 40})
    before = _table([("A", "model", "observers", 5, 3.0)])
    after = _table([("A", "model", "observers", 5, 3.5)])
    row = practice_changes(before, after, basis, ["model"]).iloc[0]
    assert row["change"] == pytest.approx(0.5)
    assert math.isnan(row["rci"]) and row["category"] is None
    assert "reliability" in row["reason"]


def test_change_basis_takes_alpha_and_the_sd_of_the_observer_means() -> None:
    reliability = pd.DataFrame({"scale_id": ["model", "plan"], "alpha": [0.8, np.nan]})
    means = pd.DataFrame({"model": [3.0, 3.5, 4.0, np.nan], "plan": [2.0, 2.0, 3.0, 4.0]})
    basis = change_basis(reliability, means)
    assert basis.reliability == {"model": 0.8}
    assert basis.sd_baseline["model"] == pytest.approx(0.5)  # sd(c(3, 3.5, 4)) in R
    assert basis.sd_baseline["plan"] == pytest.approx(float(np.std([2, 2, 3, 4], ddof=1)))
    assert basis.n_people == {"model": 3, "plan": 4}


def test_rater_continuity_counts_who_rated_in_both_waves() -> None:
    before = pd.DataFrame(
        {"ratee_id": ["A"] * 5 + ["B"] * 2, "rater_id": ["r1", "r2", "r3", "r4", "r5", "x", "y"]}
    )
    after = pd.DataFrame(
        {"ratee_id": ["A"] * 6 + ["C"], "rater_id": ["r1", "r2", "r3", "n1", "n2", "n3", "z"]}
    )
    found = rater_continuity(before, after)
    assert found["A"] == RaterContinuity(now=6, before=5, both=3)
    assert (found["A"].new, found["A"].left) == (3, 2)
    assert found["C"] == RaterContinuity(now=1, before=0, both=0)
    assert "B" not in found  # not rated in the later wave


@pytest.mark.parametrize(
    ("now", "before", "both", "exact"),
    [
        (7, 7, 7, True),  # the same people
        (7, 4, 4, True),  # 4 in both, 3 new, none left
        (7, 6, 6, False),  # one new: would tell that one particular person answered
        (7, 8, 7, False),  # one left
        (6, 3, 0, True),  # different people altogether
        (4, 4, 2, False),
    ],
)
def test_counts_are_exact_only_when_no_part_is_below_the_minimum(
    now: int, before: int, both: int, exact: bool
) -> None:
    assert RaterContinuity(now, before, both).exact(3) is exact


def test_person_changes_gives_every_requested_person_an_entry() -> None:
    before = _table([("A", "model", "observers", 3, 3.0)])
    after = _table([("A", "model", "observers", 3, 3.3), ("B", "model", "observers", 3, 4.0)])
    pairs = pd.DataFrame({"ratee_id": ["A", "A", "A"], "rater_id": ["r1", "r2", "r3"]})
    found = person_changes(
        before,
        after,
        BASIS,
        ["model"],
        earlier_wave="baseline",
        raters_before=pairs,
        raters_after=pairs,
        people=["A", "B", "Z"],
    )
    assert set(found) == {"A", "B", "Z"}
    assert found["A"].earlier_wave == "baseline"
    assert found["A"].practices["change"].tolist() == pytest.approx([0.3])
    assert found["A"].raters == RaterContinuity(3, 3, 3)
    assert math.isnan(found["B"].practices["change"].iloc[0])
    assert found["Z"].practices.empty and found["Z"].raters is None
