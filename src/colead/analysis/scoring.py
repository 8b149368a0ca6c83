"""Scale scores: from item codes to person scores by rater group.

Formulas
--------
Scale score of one form on scale *s* with items *I(s)*::

    score = mean(x_i for i in I(s) if answered)   if answered / |I(s)| >= f_min
            missing                               otherwise

with ``f_min`` the framework's ``min_answered_fraction`` (2/3 by default). Skipped items
and "not observed" are both unanswered. A rater group's score for a person is the mean of
its raters' form scores; the observer score is the mean over the non-self raters whose
scores are published (:mod:`colead.analysis.disclosure`; a withheld score counts nowhere,
not even in aggregates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.analysis.disclosure import WaveDisclosure, decide_disclosure
from colead.domain import Relation
from colead.framework import Framework

SELF = Relation.self.value
MANAGER = Relation.manager.value

__all__ = [
    "codes_to_values",
    "person_scale_scores",
    "scale_index",
    "score_forms",
]


def codes_to_values(codes: np.ndarray) -> np.ndarray:
    """int8 response codes -> float64 values with NaN for skipped or not observed."""
    values = codes.astype(np.float64)
    values[codes < 0] = np.nan
    return values


def scale_index(framework: Framework) -> tuple[np.ndarray, tuple[str, ...]]:
    """Position of each item's scale in ``framework.scale_ids``, in item order."""
    position = {sid: k for k, sid in enumerate(framework.scale_ids)}
    return np.array([position[s] for s in framework.item_scale], dtype=np.intp), (
        framework.scale_ids
    )


def score_forms(
    codes: np.ndarray, item_scale: np.ndarray, n_scales: int, min_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Scale score of every form.

    Parameters
    ----------
    codes
        int8 array (forms × items).
    item_scale
        Scale position of each item.
    n_scales
        Number of scales.
    min_fraction
        Smallest share of a scale's items that must be answered for a score.

    Returns
    -------
    scores, answered
        float64 (forms × scales) with NaN where too few items were answered, and the number
        of answered items per form and scale.
    """
    answered_mask = codes >= 0
    # One indicator matrix (items × scales) turns per-scale sums into a matrix product,
    # which keeps millions of item values fast. float32 holds these integer sums exactly
    # (they stay far below 2**24) at half the memory traffic.
    values = np.where(answered_mask, codes, 0).astype(np.float32)
    indicator = np.zeros((codes.shape[1], n_scales), dtype=np.float32)
    indicator[np.arange(codes.shape[1]), item_scale] = 1.0
    sums = (values @ indicator).astype(np.float64)
    answered = (answered_mask.astype(np.float32) @ indicator).astype(np.float64)
    n_items = indicator.sum(axis=0, dtype=np.float64)
    enough = answered >= np.ceil(min_fraction * n_items - 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(enough & (answered > 0), sums / answered, np.nan)
    return scores, answered.astype(np.int64)


def person_scale_scores(
    responses: pd.DataFrame,
    scores: np.ndarray,
    scale_ids: Sequence[str],
    minimum: int,
    disclosure: WaveDisclosure | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Scores of each rated person by rater group, as the disclosure rules publish them.

    The grouping is decided once per person for the whole wave
    (:func:`~colead.analysis.disclosure.decide_disclosure`); a group's score on a scale is
    published when at least ``minimum`` of its forms scored that scale (self and line
    manager alone), and the all-observers row is the mean of the published observer scores.

    Parameters
    ----------
    responses
        ``ratee_id, rater_id, relation`` per form, aligned with ``scores`` rows.
    scores
        Form × scale scores from :func:`score_forms`.
    scale_ids
        Scale id of each column of ``scores``.
    minimum
        Anonymity minimum.
    disclosure
        The wave's decision, when the caller has it already.

    Returns
    -------
    table, observer_means, observer_counts
        ``table``: long ``ratee_id, scale_id, group, n_raters, mean, sd`` with only the
        published cells. ``observer_means``: ratee × scale mean of the observers' published
        scores, for aggregates only (a sum of published cells, so no difference of
        aggregates can give back a withheld score); ``observer_counts``: the number of all
        non-self raters who scored the scale (withheld ones included).
    """
    scale_ids = list(scale_ids)
    decided = disclosure or decide_disclosure(responses, scores, minimum)
    ratees, ratee_codes = decided.ratees, decided.ratee_code
    n_ratee, n_scales = len(ratees), len(scale_ids)
    slot_names = decided.slot_names
    n_slots = len(slot_names)
    relation = responses["relation"].astype(str).to_numpy()
    observer = relation != SELF
    not_manager = relation != MANAGER
    valid = ~np.isnan(scores)

    tables = []
    observer_means = np.full((n_ratee, n_scales), np.nan)
    observer_counts = np.zeros((n_ratee, n_scales), dtype=np.int64)
    for j, scale_id in enumerate(scale_ids):
        keep = decided.published[:, j]
        ratee, slot, x = ratee_codes[keep], decided.slot[keep], scores[keep, j]
        n, mean, sd = _grouped_stats(ratee * n_slots + slot, x, n_ratee * n_slots)
        filled = np.flatnonzero(n)
        tables.append(
            pd.DataFrame(
                {
                    "ratee_id": ratees[filled // n_slots],
                    "scale_id": scale_id,
                    "group": slot_names[filled % n_slots],
                    "n_raters": n[filled],
                    "mean": mean[filled],
                    "sd": sd[filled],
                }
            )
        )
        in_view = keep & observer
        n, mean, sd = _grouped_stats(ratee_codes[in_view], scores[in_view, j], n_ratee)
        observer_means[:, j] = np.where(n > 0, mean, np.nan)
        observer_counts[:, j] = np.bincount(ratee_codes[valid[:, j] & observer], minlength=n_ratee)
        # The row holds published scores only, so it is always safe; it is shown when it
        # stands for all who scored the scale, or at least for a group beside the manager
        # (never as a lone manager's score renamed "all observers" while others are held).
        complete = n == observer_counts[:, j]
        grouped = np.bincount(ratee_codes[in_view & not_manager], minlength=n_ratee) > 0
        shown = (n > 0) & (complete | grouped)
        tables.append(
            pd.DataFrame(
                {
                    "ratee_id": ratees[shown],
                    "scale_id": scale_id,
                    "group": OBSERVERS,
                    "n_raters": n[shown],
                    "mean": mean[shown],
                    "sd": sd[shown],
                }
            )
        )
    table = pd.concat(tables, ignore_index=True)
    rated = observer_counts.sum(axis=1) > 0
    means = pd.DataFrame(observer_means[rated], index=ratees[rated], columns=scale_ids)
    totals = pd.DataFrame(observer_counts[rated], index=ratees[rated], columns=scale_ids)
    return table, means.rename_axis("ratee_id"), totals.rename_axis("ratee_id")


def _grouped_stats(
    keys: np.ndarray, values: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sample sd (ddof 1) of ``values`` per integer key, by bincount.

    The sd takes a second pass over deviations from each group's mean, which keeps it
    exact where the sum-of-squares shortcut would cancel.
    """
    n = np.bincount(keys, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(keys, weights=values, minlength=size) / n
        squares = np.bincount(keys, weights=(values - mean[keys]) ** 2, minlength=size)
        sd = np.sqrt(np.where(n > 1, squares / (n - 1), np.nan))
    return n, mean, sd
