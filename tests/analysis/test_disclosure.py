"""The disclosure decision: one grouping per person and wave, published cells, differencing.

The differencing rule is the threshold rule of statistical disclosure control applied to
nested cells (Hundepool et al. 2012, *Statistical Disclosure Control*, §4.2-4.3): a total
may be published only when it and every difference with another published total it
contains hold at least the minimum number of contributors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from builders import crafted_wave
from colead.analysis.disclosure import (
    changes_safe_to_release,
    comment_forms,
    decide_disclosure,
    differencing_problems,
)
from colead.analysis.review import analyse_wave


def _decide(rows: list[tuple[str, str]], scores: list[list[float]], minimum: int = 3):  # type: ignore[no-untyped-def]
    responses = pd.DataFrame(rows, columns=["ratee_id", "relation"])
    return decide_disclosure(responses, np.array(scores, dtype=float), minimum)


def test_the_grouping_is_the_same_on_every_scale() -> None:
    # three peers; one skipped the second scale: the group stays "peer" on both scales,
    # and the second scale's cell (2 scores) is withheld rather than refolded
    rows = [("P", "peer")] * 3
    decided = _decide(rows, [[4, 4], [5, 5], [3, np.nan]])
    assert decided.labels.tolist() == ["peer", "peer", "peer"]
    assert decided.published[:, 0].tolist() == [True, True, True]
    assert decided.published[:, 1].tolist() == [False, False, False]


def test_small_groups_fold_and_a_lone_rater_is_withheld() -> None:
    rows = [("P", "self"), ("P", "manager"), ("P", "peer")]
    decided = _decide(rows, [[3], [4], [1]])
    assert decided.labels.tolist() == ["self", "manager", None]
    assert decided.published[:, 0].tolist() == [True, True, False]


def test_comments_need_the_minimum_without_the_line_manager() -> None:
    # a manager and two peers: the peers are withheld, so no comment may show
    assert not comment_forms(["manager", None, None], 3).any()
    # with three peers shown, the manager's comment joins the pool
    assert comment_forms(["self", "manager", "peer", "peer", "peer"], 3).tolist() == [
        False,
        True,
        True,
        True,
        True,
    ]
    # a manager plus two "others" would reach three forms, but not without the manager
    assert not comment_forms(["manager", "others", "others"], 3).any()


def test_differencing_finds_nested_cells_that_isolate_few_forms() -> None:
    big = frozenset({1, 2, 3, 4})
    small = frozenset({2, 3, 4})
    assert differencing_problems([big, small], 3) == [(big, small)]
    assert differencing_problems([big, frozenset({3, 4, 5})], 3) == []  # not nested
    # three forms between a cell and a manager known on their own
    assert differencing_problems([big, frozenset({4})], 3, known={4}) == []
    # a single cell below the minimum is a problem against the empty cell
    assert differencing_problems([frozenset({7, 8})], 3) == [(frozenset({7, 8}), frozenset())]
    # ... unless what is isolated is published on its own anyway (a line manager)
    assert differencing_problems([big, small], 3, known={1}) == []


def test_releasing_one_more_peer_is_refused_and_three_are_allowed() -> None:
    relations = ["self", "manager", "peer", "peer", "peer", "peer"]
    scores = np.array([[3.0], [4.0], [2.0], [3.0], [5.0], [1.0]])
    released = np.array([True, True, True, True, True, False])
    assert not changes_safe_to_release(relations, scores, released, 3)
    relations += ["peer", "peer"]
    scores = np.vstack([scores, [[2.0], [4.0]]])
    released = np.append(released, [False, False])
    assert changes_safe_to_release(relations, scores, released, 3)


def test_a_lone_new_partner_that_regroups_the_others_is_refused() -> None:
    # before: 1 partner + 2 peers pooled as "others"; after: two more partners make
    # "partner" stand alone and leave 2 peers, so everything pools again: 5 - 3 = 2 new
    relations = ["partner", "peer", "peer", "partner", "partner"]
    scores = np.array([[5.0], [2.0], [3.0], [4.0], [1.0]])
    released = np.array([True, True, True, False, False])
    assert not changes_safe_to_release(relations, scores, released, 3)


def test_a_new_line_manager_alone_may_be_released() -> None:
    relations = ["peer", "peer", "peer", "manager"]
    scores = np.array([[2.0], [3.0], [4.0], [5.0]])
    assert changes_safe_to_release(relations, scores, np.array([1, 1, 1, 0], dtype=bool), 3)


def test_the_review_wide_relation_profile_counts_folded_forms_as_others() -> None:
    """Finding 1: R1's lone partner, folded into "others" on R1's page, must not count
    under "partner" review-wide, or partner total minus R5's partner group gives it back."""
    forms = [("R1", "X1", "partner", 5), ("R1", "P1", "peer", 2), ("R1", "P2", "peer", 2)]
    forms += [("R5", f"Y{i}", "partner", 3) for i in range(3)]
    results = analyse_wave(crafted_wave(forms), 3)
    table = results.relation_profile.table
    shown = table[table["shown"].astype(bool) & (table["scale_id"] == "model")]
    by_group = shown.set_index("group")
    assert by_group.loc["partner", "n_people"] == 3  # R5's three only
    assert by_group.loc["partner", "mean"] == 3.0
    assert by_group.loc["others", "n_people"] == 3  # R1's folded three
