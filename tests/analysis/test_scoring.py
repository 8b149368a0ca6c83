"""Scale scores, checked against an independent pandas computation of the same rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from builders import default_framework
from colead.analysis import codes_to_values, person_scale_scores, scale_index, score_forms
from colead.domain import BLANK, NOT_OBSERVED


def _reference_scores(
    codes: np.ndarray, item_scale: list[str], min_fraction: float
) -> pd.DataFrame:
    """Row-by-row reference: pandas groupby over items, no matrix tricks."""
    values = pd.DataFrame(codes.astype(float)).where(codes >= 0)
    values.columns = pd.Index(item_scale)
    out = {}
    for scale in dict.fromkeys(item_scale):
        block = values.loc[:, [s == scale for s in item_scale]]
        answered = block.notna().sum(axis=1)
        enough = answered / block.shape[1] >= min_fraction - 1e-12
        out[scale] = block.mean(axis=1).where(enough)
    return pd.DataFrame(out)


def test_form_scores_match_an_independent_computation() -> None:
    framework = default_framework()
    rng = np.random.default_rng(2024)
    codes = rng.integers(1, 6, size=(400, len(framework.item_ids))).astype(np.int8)
    holes = rng.random(codes.shape)
    codes[holes < 0.15] = BLANK
    codes[(holes >= 0.15) & (holes < 0.3)] = NOT_OBSERVED
    item_scale, scale_ids = scale_index(framework)
    scores, answered = score_forms(
        codes, item_scale, len(scale_ids), framework.min_answered_fraction
    )
    expected = _reference_scores(codes, list(framework.item_scale), framework.min_answered_fraction)
    np.testing.assert_allclose(scores, expected[list(scale_ids)].to_numpy(), equal_nan=True)
    assert answered.sum() == (codes >= 0).sum()


@pytest.mark.parametrize(("answered", "scored"), [(6, True), (4, True), (3, False), (0, False)])
def test_a_six_item_scale_needs_two_thirds_answered(answered: int, scored: bool) -> None:
    codes = np.full((1, 6), BLANK, dtype=np.int8)
    codes[0, :answered] = 4
    scores, _ = score_forms(codes, np.zeros(6, dtype=np.intp), 1, 2 / 3)
    assert np.isnan(scores[0, 0]) != scored
    if scored:
        assert scores[0, 0] == 4.0


def test_not_observed_and_skipped_are_both_unanswered() -> None:
    codes = np.array([[5, 1, NOT_OBSERVED], [5, 1, BLANK], [5, 1, 3]], dtype=np.int8)
    scores, answered = score_forms(codes, np.zeros(3, dtype=np.intp), 1, 2 / 3)
    assert scores[:, 0].tolist() == [3.0, 3.0, 3.0]
    assert answered[:, 0].tolist() == [2, 2, 3]
    assert np.isnan(codes_to_values(codes)[:2, 2]).all()


def _responses(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ratee_id", "rater_id", "relation"])


def test_group_scores_fold_small_groups_and_hide_what_subtraction_would_reveal() -> None:
    rows = [("P", "P", "self"), ("P", "M", "manager")]
    rows += [("P", f"peer{i}", "peer") for i in range(3)]
    rows += [("P", "dr1", "direct_report"), ("P", "pt1", "partner"), ("P", "pt2", "partner")]
    responses = _responses(rows)
    scores = np.arange(len(rows), dtype=float).reshape(-1, 1) + 1.0
    table, means, counts = person_scale_scores(responses, scores, ["model"], minimum=3)
    groups = table.set_index("group")
    assert groups.loc["self", "mean"] == 1.0
    assert groups.loc["manager", "mean"] == 2.0
    assert groups.loc["peer", "n_raters"] == 3 and groups.loc["peer", "mean"] == 4.0
    # 1 direct report + 2 partners fold into "others" (3 raters)
    assert groups.loc["others", "n_raters"] == 3 and groups.loc["others", "mean"] == 7.0
    assert "direct_report" not in groups.index and "partner" not in groups.index
    assert groups.loc["observers", "n_raters"] == 7
    assert means.loc["P", "model"] == pytest.approx(np.mean(np.arange(2, 9)))
    assert counts.loc["P", "model"] == 7


def test_a_lone_hidden_rater_counts_in_no_observer_figure() -> None:
    rows = [("P", "P", "self"), ("P", "M", "manager"), ("P", "x", "peer")]
    table, means, _ = person_scale_scores(
        _responses(rows), np.array([[3.0], [4.0], [1.0]]), ["model"], minimum=3
    )
    # no "all observers" row that would be the manager's alone while a rater is held back
    assert set(table["group"]) == {"self", "manager"}
    alone = [("P", "P", "self"), ("P", "M", "manager")]
    table, _, _ = person_scale_scores(
        _responses(alone), np.array([[3.0], [4.0]]), ["model"], minimum=3
    )
    # with nobody held back, the manager is all the observers there are
    assert set(table["group"]) == {"self", "manager", "observers"}
    # nor may aggregates use it: an organisation minus a site would give it back
    # (tests/reliability/test_anonymity_defeat.py), so the mean holds the manager only
    assert means.loc["P", "model"] == 4.0


def test_folding_is_decided_per_scale_from_raters_who_scored_it() -> None:
    rows = [("P", f"peer{i}", "peer") for i in range(3)]
    scores = np.array([[4.0, 4.0], [5.0, 5.0], [3.0, np.nan]])
    table, _, _ = person_scale_scores(_responses(rows), scores, ["model", "plan"], minimum=3)
    shown = set(zip(table["scale_id"], table["group"], strict=True))
    assert ("model", "peer") in shown
    assert ("plan", "peer") not in shown and ("plan", "others") not in shown
