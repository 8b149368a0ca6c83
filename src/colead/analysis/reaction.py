"""Kirkpatrick level 1: how participants received a programme, from a short questionnaire.

Each questionnaire item is summarised by its n, mean, standard deviation, a 95 % confidence
interval of the mean from Student's t, the share of favourable answers and the count of
each answer. Each respondent's overall score is the mean of the items they answered.

Nothing is shown from fewer than ``minimum`` respondents (the review's anonymity minimum):
with, say, two answers, each person's rating could be worked out by anyone who knows one
of them. Comments follow the same rule and are listed in alphabetical order, so their
order says nothing about who wrote them or when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "ItemReaction",
    "ReactionSummary",
    "mean_interval",
    "respondent_scores",
    "summarise_reaction",
]

#: the id of the overall score (the mean of a respondent's answers) among the items
OVERALL = "overall"


@dataclass(frozen=True)
class ItemReaction:
    """One item (or the overall score) over the respondents who answered it.

    Every value but ``n`` is None when ``suppressed`` (fewer than the minimum answered),
    and the standard deviation and interval also when n < 2.
    """

    item_id: str
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    #: share of answers at or above the favourable point (4 and 5 on a 1–5 scale)
    favourable: float | None
    #: how many chose 1, 2, … (empty when suppressed, and for the overall score)
    distribution: tuple[int, ...]
    suppressed: bool


@dataclass(frozen=True)
class ReactionSummary:
    respondents: int
    minimum: int
    #: True when fewer than ``minimum`` responded: no value and no comment is shown
    suppressed: bool
    items: tuple[ItemReaction, ...]
    #: the respondents' overall scores (mean of their answers), summarised like an item
    overall: ItemReaction
    #: non-empty comments in alphabetical order; empty when suppressed
    comments: tuple[str, ...]


def mean_interval(values: ArrayLike, level: float = 0.95) -> tuple[float, float, float, float]:
    r"""Mean, sample standard deviation and the t confidence interval of the mean.

    .. math:: \bar x \pm t_{1-\alpha/2,\,n-1}\, s / \sqrt n

    with :math:`s` the standard deviation with divisor :math:`n - 1`.

    Parameters
    ----------
    values
        At least two finite numbers.
    level
        Coverage of the interval.

    Returns
    -------
    tuple
        ``(mean, sd, low, high)``.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika* 6(1), 1–25.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError("A confidence interval needs at least two values.")
    mean = float(x.mean())
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1)) * sd / np.sqrt(x.size)
    return mean, sd, mean - half, mean + half


def respondent_scores(answers: ArrayLike) -> NDArray[np.float64]:
    """Each respondent's mean over the items they answered (NaN = not answered).

    A respondent who answered nothing gets NaN.
    """
    matrix = np.atleast_2d(np.asarray(answers, dtype=np.float64))
    answered = ~np.isnan(matrix)
    counts = answered.sum(axis=1)
    totals = np.where(answered, matrix, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def _summary(
    item_id: str,
    values: NDArray[np.float64],
    minimum: int,
    favourable_from: int,
    scale_max: int | None,
) -> ItemReaction:
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n < minimum or n == 0:
        return ItemReaction(item_id, n, None, None, None, None, None, (), True)
    if n >= 2:
        mean, sd, low, high = mean_interval(values)
        spread: tuple[float | None, float | None, float | None] = (sd, low, high)
    else:  # only with a minimum of 1, which settings never allow; kept for pure callers
        mean, spread = float(values[0]), (None, None, None)
    distribution: tuple[int, ...] = ()
    if scale_max is not None:
        counts = np.bincount(values.astype(np.int64), minlength=scale_max + 1)
        distribution = tuple(int(c) for c in counts[1 : scale_max + 1])
    favourable = float(np.mean(values >= favourable_from))
    return ItemReaction(item_id, n, mean, *spread, favourable, distribution, False)


def summarise_reaction(
    answers: ArrayLike,
    item_ids: Sequence[str],
    comments: Sequence[str | None],
    minimum: int,
    *,
    scale_max: int = 5,
    favourable_from: int = 4,
) -> ReactionSummary:
    """Summarise submitted reaction questionnaires, suppressed below ``minimum``.

    Parameters
    ----------
    answers
        Respondents × items; whole numbers 1 … ``scale_max``, NaN for an item left blank.
    item_ids
        The ids of the columns of ``answers``.
    comments
        Each respondent's comment (None or blank for none); any length, order ignored.
    minimum
        Fewest respondents (and, per item, fewest answers) for which values are shown.
    scale_max, favourable_from
        The top of the 1-based scale, and the lowest answer counted as favourable.

    Returns
    -------
    ReactionSummary
        Per item: n, mean, SD, 95 % t interval (:func:`mean_interval`), share favourable
        and the count of each answer; the same for the respondents' overall scores
        (:func:`respondent_scores`) without the counts.

    Raises
    ------
    ValueError
        When the shape does not match ``item_ids`` or an answer is off the scale.

    References
    ----------
    Kirkpatrick, D. L. & Kirkpatrick, J. D. (2006). *Evaluating Training Programs: The Four
    Levels* (3rd ed.), chapter 4 (reaction). Berrett-Koehler.
    """
    matrix = np.asarray(answers, dtype=np.float64)
    if matrix.size == 0:
        matrix = matrix.reshape(0, len(item_ids))
    if matrix.ndim != 2 or matrix.shape[1] != len(item_ids):
        raise ValueError(f"Expected respondents × {len(item_ids)} answers, got {matrix.shape}.")
    given = matrix[~np.isnan(matrix)]
    if given.size and (
        np.any(given != np.round(given)) or given.min() < 1 or given.max() > scale_max
    ):
        raise ValueError(f"Answers must be whole numbers from 1 to {scale_max}.")
    respondents = int(matrix.shape[0])
    suppressed = respondents < minimum
    items = tuple(
        _summary(item, matrix[:, j], minimum, favourable_from, scale_max)
        if not suppressed
        else ItemReaction(item, int(np.sum(~np.isnan(matrix[:, j]))), *_HIDDEN)
        for j, item in enumerate(item_ids)
    )
    scores = respondent_scores(matrix) if respondents else np.empty(0)
    overall = (
        ItemReaction(OVERALL, int(np.sum(~np.isnan(scores))), *_HIDDEN)
        if suppressed
        else _summary(OVERALL, scores, minimum, favourable_from, None)
    )
    shown: tuple[str, ...] = ()
    if not suppressed:
        texts = [c.strip() for c in comments if c is not None and c.strip()]
        shown = tuple(sorted(texts, key=lambda text: (text.casefold(), text)))
    return ReactionSummary(respondents, minimum, suppressed, items, overall, shown)


_HIDDEN = (None, None, None, None, None, (), True)
