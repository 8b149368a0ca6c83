"""Scale scores: from item codes to person scores by rater group.

Formulas
--------
Scale score of one form on scale *s* with items *I(s)*::

    score = mean(x_i for i in I(s) if answered)   if answered / |I(s)| >= f_min
            missing                               otherwise

with ``f_min`` the framework's ``min_answered_fraction`` (2/3 by default). Skipped items
and "not observed" are both unanswered. A rater group's score for a person is the mean of
its raters' form scores; the observer score is the mean over all non-self raters whose
group may be shown (raters hidden by the anonymity rule count nowhere, not even in
aggregates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS, OTHERS, fold_groups, observers_shown
from colead.framework import Framework

__all__ = [
    "codes_to_values",
    "person_scale_scores",
    "scale_index",
    "score_forms",
    "shown_forms",
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
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Scores of each rated person by rater group, with anonymity folding applied.

    Folding is decided per person *and scale* from the raters who actually scored that
    scale, so a rater who skipped a scale cannot shrink a shown group below the minimum.

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

    Returns
    -------
    table, observer_means, observer_counts
        ``table``: long ``ratee_id, scale_id, group, n_raters, mean, sd`` with only the
        groups that may be shown. ``observer_means``: ratee × scale mean of the non-self
        raters in shown groups, for aggregates only; ``observer_counts``: the number of
        all non-self raters (hidden ones included).
    """
    scale_ids = list(scale_ids)
    ratee_codes, ratee_index = pd.factorize(responses["ratee_id"].astype(str), sort=True)
    relation_codes, relation_index = pd.factorize(responses["relation"].astype(str))
    ratees = np.asarray(ratee_index, dtype=object)
    relations = [str(r) for r in relation_index]
    n_ratee, n_rel, n_scales = len(ratees), len(relations), len(scale_ids)
    # Group slots: one per relation, then "others" for the folded small groups.
    slot_names = np.array([*relations, OTHERS], dtype=object)
    n_slots = n_rel + 1
    is_self = relation_codes == (relations.index("self") if "self" in relations else -1)
    valid = ~np.isnan(scores)

    # Raters per (scale, ratee, relation) who scored that scale.
    cell = ratee_codes * n_rel + relation_codes
    counts = np.stack(
        [np.bincount(cell[valid[:, j]], minlength=n_ratee * n_rel) for j in range(n_scales)]
    ).reshape(n_scales * n_ratee, n_rel)
    slot_of, observers_ok, pattern_of = _fold_patterns(counts, relations, minimum)

    tables = []
    observer_means = np.full((n_ratee, n_scales), np.nan)
    observer_counts = np.zeros((n_ratee, n_scales), dtype=np.int64)
    for j, scale_id in enumerate(scale_ids):
        v = valid[:, j]
        ratee, x = ratee_codes[v], scores[v, j]
        pattern = pattern_of[j * n_ratee + ratee]
        slot = slot_of[pattern, relation_codes[v]]
        keep = slot >= 0
        n, mean, sd = _grouped_stats(ratee[keep] * n_slots + slot[keep], x[keep], n_ratee * n_slots)
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
        observer = ~is_self[v]
        # The observer mean feeds every aggregate (sites, organisations, levels, the whole
        # review, the evaluation). It takes only raters whose group is shown: a hidden
        # rater's answers in it could be recovered by differencing overlapping aggregates
        # (an organisation minus a site) or reports before and after one more response.
        # The count still covers every observer, for "n forms withheld".
        in_view = observer & keep
        n, mean, sd = _grouped_stats(ratee[in_view], x[in_view], n_ratee)
        observer_means[:, j] = np.where(n > 0, mean, np.nan)
        observer_counts[:, j] = np.bincount(ratee[observer], minlength=n_ratee)
        shown = (n > 0) & observers_ok[pattern_of[j * n_ratee + np.arange(n_ratee)]]
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


def shown_forms(responses: pd.DataFrame, scores: np.ndarray, minimum: int) -> np.ndarray:
    """Form × scale: whether the form's score is in a group shown about its rated person.

    The same folding as :func:`person_scale_scores` (per person and scale; self and line
    manager always shown). Views that pool forms across people, such as the review-wide
    profile by relation, take only these: a hidden form counted there could be recovered
    by subtracting the shown groups of the person pages.
    """
    ratee_codes, ratee_index = pd.factorize(responses["ratee_id"].astype(str), sort=True)
    relation_codes, relation_index = pd.factorize(responses["relation"].astype(str))
    relations = [str(r) for r in relation_index]
    n_ratee, n_rel, n_scales = len(ratee_index), len(relations), scores.shape[1]
    valid: np.ndarray = ~np.isnan(scores)
    if n_ratee == 0 or n_scales == 0:
        return valid
    cell = ratee_codes * n_rel + relation_codes
    counts = np.stack(
        [np.bincount(cell[valid[:, j]], minlength=n_ratee * n_rel) for j in range(n_scales)]
    ).reshape(n_scales * n_ratee, n_rel)
    slot_of, _, pattern_of = _fold_patterns(counts, relations, minimum)
    shown: np.ndarray = np.zeros_like(valid)
    for j in range(n_scales):
        pattern = pattern_of[j * n_ratee + ratee_codes]
        shown[:, j] = valid[:, j] & (slot_of[pattern, relation_codes] >= 0)
    return shown


def _fold_patterns(
    counts: np.ndarray, relations: list[str], minimum: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fold each distinct pattern of rater counts once (patterns are few, rows many).

    Returns the slot of each (pattern, relation) (-1: not shown; ``len(relations)``:
    "others"), whether each pattern may show its observer mean, and each row's pattern.
    """
    n_rel = len(relations)
    # One integer per row (mixed radix on the counts) makes finding patterns a 1-D unique.
    radix = int(counts.max(initial=0)) + 1
    if radix ** max(n_rel, 1) < 2**62:
        packed = counts @ (radix ** np.arange(n_rel, dtype=np.int64))
        _, first, pattern_of = np.unique(packed, return_index=True, return_inverse=True)
        patterns = counts[first]
    else:
        patterns, pattern_of = np.unique(counts, axis=0, return_inverse=True)
    slot_of = np.full((len(patterns), n_rel), -1, dtype=np.int64)
    observers_ok = np.zeros(len(patterns), dtype=bool)
    for p, row in enumerate(patterns):
        mix = {relations[k]: int(n) for k, n in enumerate(row) if n}
        for relation, group in fold_groups(mix, minimum).items():
            if group is not None:
                slot_of[p, relations.index(relation)] = (
                    n_rel if group == OTHERS else relations.index(group)
                )
        observers_ok[p] = observers_shown(mix, minimum)
    return slot_of, observers_ok, np.asarray(pattern_of).reshape(-1)


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
