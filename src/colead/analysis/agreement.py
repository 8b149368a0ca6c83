"""Within-group agreement and intraclass correlations.

Formulas
--------
Agreement of the *n* raters of one target on one item (James, Demaree & Wolf 1984)::

    rwg    = 1 - s² / σ²_E
    rwg(j) = J (1 - s̄²/σ²_E) / (J (1 - s̄²/σ²_E) + s̄²/σ²_E)

with ``s²`` the sample variance (ddof = 1) of the ratings, ``s̄²`` the mean of the *J*
item variances and ``σ²_E`` the variance of a null ("no agreement") response distribution.
Values out of range (``s² > σ²_E`` makes rwg negative and rwg(j) negative or above 1)
are set to 0 as LeBreton & Senter (2008) recommend; this equals the truncation of the
observed variance to ``σ²_E`` in R ``multilevel::rwg`` / ``multilevel::rwg.j``.

Aggregation of people's scores to their groups (Bliese 2000), from the one-way ANOVA::

    ICC(1) = (MSB - MSW) / (MSB + (k̄ - 1) MSW)        k̄ = N / G, the mean group size
    ICC(2) = (MSB - MSW) / MSB

The six Shrout & Fleiss (1979) intraclass correlations of raters × targets live in
:mod:`colead.analysis.icc` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from colead.analysis.icc import IccForm, ShroutFleiss, shrout_fleiss, shrout_fleiss_long

__all__ = [
    "NULL_DISTRIBUTIONS",
    "AggregationResult",
    "IccForm",
    "RwgResult",
    "ShroutFleiss",
    "icc_aggregation",
    "null_variance",
    "rwg",
    "rwg_by_group",
    "rwg_j",
    "shrout_fleiss",
    "shrout_fleiss_long",
]

# Wider than numpy's ArrayLike so plain lists with None (missing group labels) type-check.
ArrayLike: TypeAlias = npt.ArrayLike | Sequence[Any]
ArrayLike2D: TypeAlias = npt.ArrayLike | Sequence[Sequence[Any]]
Floats: TypeAlias = npt.NDArray[np.float64]

NULL_DISTRIBUTIONS: tuple[str, ...] = (
    "uniform",
    "slight",
    "moderate",
    "heavy",
    "triangular",
    "normal",
)

# Null variances σ²_E of LeBreton & Senter (2008), "Answers to 20 questions about interrater
# reliability and interrater agreement", Organizational Research Methods 11(4), Table 2
# (after Kozlowski & Hults 1987 and Messick 1982): slight / moderate / heavy skew,
# triangular and normal response distributions. Transcribed from the table that LeBreton's
# own R package WGA (github james-lebreton/WGA, RWG.R and RWGJ.R) embeds; the uniform
# column there equals (A² - 1) / 12 and is computed rather than stored.
_TABLE2_NULL_VARIANCE: dict[int, dict[str, float]] = {
    5: {"slight": 1.34, "moderate": 0.90, "heavy": 0.44, "triangular": 1.32, "normal": 1.04},
    7: {"slight": 2.90, "moderate": 2.14, "heavy": 1.39, "triangular": 2.10, "normal": 1.40},
}

_TRUNCATED = (
    "observed variance exceeds the null variance: out of range, set to 0 (LeBreton & Senter 2008)"
)
_TOO_FEW_RATERS = "fewer than 2 raters with complete answers"


def null_variance(options: int, null: str = "uniform") -> float:
    """Variance σ²_E of a null response distribution on an ``options``-point scale.

    ``uniform`` is ``(A² - 1) / 12`` for any ``A = options`` >= 2 (James, Demaree & Wolf
    1984). The skewed, triangular and normal nulls are the published values of LeBreton &
    Senter (2008), Table 2, for 5- and 7-point scales only.

    Raises
    ------
    ValueError
        Unknown ``null``, ``options`` < 2, or a non-uniform null for another scale length.
    """
    if null not in NULL_DISTRIBUTIONS:
        raise ValueError(f"unknown null distribution {null!r}; use one of {NULL_DISTRIBUTIONS}")
    if isinstance(options, bool) or not isinstance(options, int | np.integer) or options < 2:
        raise ValueError(f"options must be an integer >= 2, got {options!r}")
    if null == "uniform":
        return (int(options) ** 2 - 1) / 12.0
    table = _TABLE2_NULL_VARIANCE.get(int(options))
    if table is None:
        raise ValueError(
            f"the {null!r} null is published for 5- and 7-point scales only, not {options}"
        )
    return table[null]


@dataclass(frozen=True)
class RwgResult:
    """rwg (one item, ``j == 1``) or rwg(j) of one group of raters.

    ``n`` counts the raters with every item answered, ``observed_variance`` is ``s²`` (or
    ``s̄²``) and ``reason`` says why ``rwg`` is NaN or was set to 0.
    """

    rwg: float
    n: int
    j: int
    observed_variance: float
    null_variance: float
    reason: str | None = None


def _rwg_values(
    mean_var: Floats, n: npt.NDArray[np.int64], j: int, sigma2: float
) -> tuple[Floats, list[str | None]]:
    """rwg(j) of many groups at once, with the out-of-range and too-few-raters rules."""
    ratio = mean_var / sigma2
    with np.errstate(invalid="ignore", divide="ignore"):
        # For one item rwg(j) reduces to 1 - ratio; compute that form directly so the value
        # is bit-for-bit multilevel::rwg's.
        value = 1.0 - ratio if j == 1 else j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)
    few = n < 2
    out_of_range = ~few & (ratio > 1.0)
    value = np.where(out_of_range, 0.0, value)
    value = np.where(few, np.nan, value)
    reasons: list[str | None] = [
        _TOO_FEW_RATERS if f else _TRUNCATED if o else None
        for f, o in zip(few.tolist(), out_of_range.tolist(), strict=True)
    ]
    return value, reasons


def rwg(values: ArrayLike, *, options: int, null: str = "uniform") -> RwgResult:
    """Within-group agreement on one item, rwg (James, Demaree & Wolf 1984).

    ``rwg = 1 - s² / σ²_E`` with ``s²`` the sample variance (ddof = 1) of the answered
    ratings and ``σ²_E = null_variance(options, null)``. ``s² > σ²_E`` gives 0 (LeBreton &
    Senter 2008). R: ``multilevel::rwg(x, grpid, ranvar = σ²_E)``.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology, 69, 85-98.

    Parameters
    ----------
    values
        Ratings of one item by the members of one group; NaN is unanswered.
    options
        Number of response options of the item's scale.
    null
        One of :data:`NULL_DISTRIBUTIONS`.
    """
    sigma2 = null_variance(options, null)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"rwg takes a 1-D array of ratings, got shape {x.shape}")
    x = x[~np.isnan(x)]
    n = np.array([x.size], dtype=np.int64)
    s2 = float(x.var(ddof=1)) if x.size >= 2 else float("nan")
    value, reasons = _rwg_values(np.array([s2]), n, 1, sigma2)
    return RwgResult(float(value[0]), int(n[0]), 1, s2, sigma2, reasons[0])


def rwg_j(values: ArrayLike2D, *, options: int, null: str = "uniform") -> RwgResult:
    """Within-group agreement on a J-item scale, rwg(j) (James, Demaree & Wolf 1984).

    ``rwg(j) = J (1 - s̄²/σ²_E) / (J (1 - s̄²/σ²_E) + s̄²/σ²_E)`` with ``s̄²`` the mean of
    the item variances (ddof = 1). Raters who skipped any item are left out, as R's
    ``multilevel::rwg.j(x, grpid, ranvar = σ²_E)`` does (``na.exclude``). ``s̄² > σ²_E``
    gives 0 (LeBreton & Senter 2008; multilevel truncates ``s̄²`` to ``σ²_E``, the same).

    Parameters
    ----------
    values
        Raters × items ratings of one group; NaN is unanswered.
    """
    sigma2 = null_variance(options, null)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"rwg_j takes a 2-D raters × items array, got shape {x.shape}")
    x = x[~np.isnan(x).any(axis=1)]
    j = x.shape[1]
    n = np.array([x.shape[0]], dtype=np.int64)
    s2 = float(x.var(axis=0, ddof=1).mean()) if x.shape[0] >= 2 else float("nan")
    value, reasons = _rwg_values(np.array([s2]), n, j, sigma2)
    return RwgResult(float(value[0]), int(n[0]), j, s2, sigma2, reasons[0])


def rwg_by_group(
    frame: pd.DataFrame,
    *,
    group: str,
    items: Sequence[str],
    options: int,
    null: str = "uniform",
) -> pd.DataFrame:
    """rwg (one item) or rwg(j) (several items) of every group, vectorised.

    Rows with a missing item are dropped (listwise, as ``multilevel::rwg.j``); groups left
    with fewer than 2 raters get NaN and a reason. R: ``multilevel::rwg(x, grpid, ranvar)``
    for one item, ``multilevel::rwg.j(x[, items], grpid, ranvar)`` for more.

    Returns
    -------
    DataFrame
        ``group, rwg, n, j, reason``, one row per group (sorted), ``n`` complete raters.
    """
    items = list(items)
    if not items:
        raise ValueError("items must name at least one column")
    missing = [c for c in [group, *items] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in frame: {missing}")
    sigma2 = null_variance(options, null)
    data = frame.loc[frame[group].notna(), [group, *items]]
    all_groups = pd.Index(pd.unique(data[group])).sort_values()
    complete = data.dropna(subset=items)
    grouped = complete.groupby(group, sort=True)[items]
    variances = grouped.var(ddof=1).reindex(all_groups)
    n = grouped.size().reindex(all_groups, fill_value=0).to_numpy(dtype=np.int64)
    mean_var = variances.to_numpy(dtype=np.float64).mean(axis=1)
    value, reasons = _rwg_values(mean_var, n, len(items), sigma2)
    return pd.DataFrame(
        {
            "group": all_groups.to_numpy(),
            "rwg": value,
            "n": n,
            "j": len(items),
            # object dtype keeps None (no problem) apart from text, as in the dataclasses
            "reason": pd.Series(reasons, dtype=object),
        }
    )


@dataclass(frozen=True)
class AggregationResult:
    """ICC(1) and ICC(2) of scores nested in groups, with the one-way ANOVA F test.

    ``n`` scores in ``groups`` groups, ``mean_group_size = n / groups``; ``f`` on ``df1 =
    groups - 1`` and ``df2 = n - groups`` degrees of freedom with upper-tail ``p``.
    ``between_variance`` is the variance of the group effects, (MSB − MSW) / n₀, with its
    F-based 95% CI, and ``within_variance`` is MSW (see :func:`icc_aggregation`).
    """

    icc1: float
    icc2: float
    groups: int
    n: int
    mean_group_size: float
    f: float
    df1: int
    df2: int
    p: float
    reason: str | None = None
    between_variance: float = float("nan")
    between_variance_ci95: tuple[float, float] = (float("nan"), float("nan"))
    within_variance: float = float("nan")


def icc_aggregation(scores: ArrayLike, groups: ArrayLike) -> AggregationResult:
    """ICC(1) and ICC(2) for aggregating individual scores to groups (Bliese 2000).

    One-way ANOVA of ``scores`` by ``groups``::

        ICC(1) = (MSB - MSW) / (MSB + (k̄ - 1) MSW),   ICC(2) = (MSB - MSW) / MSB

    with ``k̄ = N / G`` the mean group size, as R ``multilevel::ICC1(aov(y ~
    as.factor(g)))`` and ``multilevel::ICC2(...)``. Scores or groups that are missing are
    dropped; one-member groups stay in (they add to the between-groups df, as in ``aov``).
    ICC(1) below 0 (MSB < MSW) is reported as computed, with a reason.

    The group-effect variance is the ANOVA estimator σ²_b = (MSB − MSW) / n₀ with
    n₀ = (N − Σnᵢ²/N) / (G − 1) (n₀ = k̄ when groups are equal), and its 95% CI
    ((F / F₀.₉₇₅ − 1) / n₀ · MSW, (F / F₀.₀₂₅ − 1) / n₀ · MSW) from the F distribution of
    MSB / MSW (Searle, Casella & McCulloch 1992, Variance Components, §3.5; exact for equal
    groups, approximate otherwise), lower bound floored at 0.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability:
    Implications for data aggregation and analysis. In K. J. Klein & S. W. J. Kozlowski
    (Eds.), Multilevel theory, research, and methods in organizations (pp. 349-381).
    """
    y = np.asarray(scores, dtype=np.float64)
    g = pd.Series(np.asarray(groups, dtype=object))
    if y.ndim != 1 or g.size != y.size:
        raise ValueError(
            f"scores and groups must be 1-D of the same length, got {y.shape} and {g.shape}"
        )
    keep = ~np.isnan(y) & g.notna().to_numpy()
    y = y[keep]
    codes, uniques = pd.factorize(g[keep])
    n_groups, n = len(uniques), int(y.size)
    kbar = n / n_groups if n_groups else float("nan")
    df1, df2 = n_groups - 1, n - n_groups
    nan = float("nan")

    def empty(reason: str) -> AggregationResult:
        return AggregationResult(nan, nan, n_groups, n, kbar, nan, df1, df2, nan, reason)

    if n_groups < 2:
        return empty("fewer than 2 groups with a score")
    if df2 < 1:
        return empty("no group has 2 or more scores: no within-group variance")
    counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
    means = np.bincount(codes, weights=y, minlength=n_groups) / counts
    msb = float((counts * (means - y.mean()) ** 2).sum()) / df1
    msw = float(((y - means[codes]) ** 2).sum()) / df2
    if msb == 0.0 and msw == 0.0:
        return empty("all scores are equal")
    if msw == 0.0:
        return AggregationResult(
            1.0,
            1.0,
            n_groups,
            n,
            kbar,
            float("inf"),
            df1,
            df2,
            0.0,
            "no variance within groups: F is infinite",
        )
    icc1 = (msb - msw) / (msb + (kbar - 1.0) * msw)
    f = msb / msw
    p = float(stats.f.sf(f, df1, df2))
    if msb == 0.0:
        return AggregationResult(
            icc1,
            nan,
            n_groups,
            n,
            kbar,
            f,
            df1,
            df2,
            p,
            "group means are all equal: ICC(2) is undefined and ICC(1) negative",
        )
    reason = None
    if msb < msw:
        reason = "MSB < MSW: less variance between groups than expected by chance, ICCs negative"
    n0 = (n - float((counts**2).sum()) / n) / df1
    upper_f, lower_f = stats.f.ppf([0.975, 0.025], df1, df2)
    ci = (
        max(0.0, float((f / upper_f - 1.0) / n0 * msw)),
        max(0.0, float((f / lower_f - 1.0) / n0 * msw)),
    )
    return AggregationResult(
        icc1,
        (msb - msw) / msb,
        n_groups,
        n,
        kbar,
        f,
        df1,
        df2,
        p,
        reason,
        between_variance=(msb - msw) / n0,
        between_variance_ci95=ci,
        within_variance=msw,
    )
