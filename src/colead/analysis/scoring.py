"""Scale scores: from item codes to person scores by rater group.

Formulas
--------
Scale score of one form on scale *s* with items *I(s)*::

    score = mean(x_i for i in I(s) if answered)   if answered / |I(s)| >= f_min
            missing                               otherwise

with ``f_min`` the framework's ``min_answered_fraction`` (2/3 by default). Skipped items
and "not observed" are both unanswered. A rater group's score for a person is the mean of
its raters' form scores; the observer score is the mean over all non-self raters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS, fold_groups, observers_shown
from colead.domain import Relation
from colead.framework import Framework

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
    values = np.where(answered_mask, codes, 0).astype(np.float64)
    # One indicator matrix (items × scales) turns per-scale sums into a matrix product,
    # which keeps millions of item values fast.
    indicator = np.zeros((codes.shape[1], n_scales))
    indicator[np.arange(codes.shape[1]), item_scale] = 1.0
    sums = values @ indicator
    answered = answered_mask.astype(np.float64) @ indicator
    n_items = indicator.sum(axis=0)
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
        groups that may be shown. ``observer_means`` / ``observer_counts``: ratee × scale
        mean and count of non-self raters, for aggregates only.
    """
    scale_ids = list(scale_ids)
    frame = pd.DataFrame(scores, columns=scale_ids)
    frame["ratee_id"] = responses["ratee_id"].astype(str).to_numpy()
    frame["relation"] = responses["relation"].astype(str).to_numpy()
    long = frame.melt(
        id_vars=["ratee_id", "relation"],
        value_vars=scale_ids,
        var_name="scale_id",
        value_name="score",
    ).dropna(subset=["score"])

    keys = ["ratee_id", "scale_id"]
    counts = long.groupby([*keys, "relation"]).size().unstack(fill_value=0)
    groups, show_observers = _fold_all(counts, minimum)
    long = long.merge(groups, on=[*keys, "relation"], how="left")

    by_group = (
        long.dropna(subset=["group"])
        .groupby([*keys, "group"], sort=False)["score"]
        .agg(n_raters="count", mean="mean", sd="std")
        .reset_index()
    )
    obs = (
        long[long["relation"] != Relation.self.value]
        .groupby(keys, sort=False)["score"]
        .agg(n_raters="count", mean="mean", sd="std")
        .reset_index()
    )
    observer_means = obs.pivot(index="ratee_id", columns="scale_id", values="mean")
    observer_counts = obs.pivot(index="ratee_id", columns="scale_id", values="n_raters")
    observer_means = observer_means.reindex(columns=scale_ids)
    observer_counts = observer_counts.reindex(columns=scale_ids).fillna(0).astype(int)

    obs = obs.merge(show_observers, on=keys, how="left")
    shown_obs = obs[obs["observers_shown"].fillna(False).astype(bool)].assign(group=OBSERVERS)
    table = pd.concat([by_group, shown_obs], ignore_index=True)
    table = table[["ratee_id", "scale_id", "group", "n_raters", "mean", "sd"]]
    return table.reset_index(drop=True), observer_means, observer_counts


def _fold_all(counts: pd.DataFrame, minimum: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply :func:`fold_groups` to every (ratee, scale) row of a relation-count table.

    Rows share few distinct count patterns, so each pattern is folded once.
    """
    relations = [str(c) for c in counts.columns]
    cache: dict[tuple[int, ...], tuple[dict[str, str | None], bool]] = {}
    group_rows: list[tuple[str, str, str, str | None]] = []
    shown_rows: list[tuple[str, str, bool]] = []
    for (ratee, scale), row in zip(counts.index, counts.to_numpy(), strict=True):
        pattern = tuple(int(n) for n in row)
        if pattern not in cache:
            rater_counts = {rel: n for rel, n in zip(relations, pattern, strict=True) if n}
            cache[pattern] = (
                fold_groups(rater_counts, minimum),
                observers_shown(rater_counts, minimum),
            )
        grouping, shown = cache[pattern]
        for rel, group in grouping.items():
            group_rows.append((ratee, scale, rel, group))
        shown_rows.append((ratee, scale, shown))
    groups = pd.DataFrame(group_rows, columns=["ratee_id", "scale_id", "relation", "group"])
    show = pd.DataFrame(shown_rows, columns=["ratee_id", "scale_id", "observers_shown"])
    return groups, show
