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

Consistency of raters who each rate every target: the six intraclass correlations of
Shrout & Fleiss (1979) from the two-way ANOVA of a targets × raters table, with F tests
and 95% confidence bounds computed exactly as R ``psych::ICC(x, lmer = FALSE)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

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

_ICC_KEYS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


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


@dataclass(frozen=True)
class IccForm:
    """One Shrout & Fleiss intraclass correlation with its F test and 95% CI."""

    value: float
    ci95: tuple[float, float]
    F: float
    df1: float
    df2: float
    p: float


@dataclass(frozen=True)
class ShroutFleiss:
    """The six Shrout & Fleiss (1979) ICCs, keyed by psych::ICC's names.

    ``ICC1`` one-way random, single rater; ``ICC2`` two-way random, absolute agreement,
    single rater; ``ICC3`` two-way mixed, consistency, single rater; ``ICC1k``, ``ICC2k``,
    ``ICC3k`` the same for the mean of the ``k_raters`` raters (Shrout & Fleiss ICC(1,k),
    ICC(2,k), ICC(3,k)).
    """

    forms: dict[str, IccForm]
    n_targets: int
    k_raters: int
    reason: str | None = None


def _nan_forms() -> dict[str, IccForm]:
    nan = float("nan")
    return {key: IccForm(nan, (nan, nan), nan, nan, nan, nan) for key in _ICC_KEYS}


def _shrout_fleiss_complete(x: Floats, notes: list[str]) -> ShroutFleiss:
    """Shrout & Fleiss ICCs of a complete targets × raters matrix (psych::ICC formulas)."""
    n, k = x.shape
    if n < 2:
        return ShroutFleiss(_nan_forms(), n, k, "; ".join([*notes, "fewer than 2 targets"]))
    if k < 2:
        return ShroutFleiss(_nan_forms(), n, k, "; ".join([*notes, "fewer than 2 raters"]))
    grand = x.mean()
    row_means = x.mean(axis=1)
    col_means = x.mean(axis=0)
    ss_rows = k * float(((row_means - grand) ** 2).sum())
    ss_cols = n * float(((col_means - grand) ** 2).sum())
    # The residual is formed directly, not as SS_total - SS_rows - SS_cols, to keep
    # precision when the raters agree closely.
    resid = x - row_means[:, None] - col_means[None, :] + grand
    ss_err = float(np.einsum("ij,ij->", resid, resid))
    if ss_err <= 1e-13 * (ss_rows + ss_cols):
        ss_err = 0.0  # rounding residue of an exact additive fit (raters differ by offsets)
    if ss_rows == 0.0 and ss_cols == 0.0 and ss_err == 0.0:
        return ShroutFleiss(_nan_forms(), n, k, "; ".join([*notes, "all scores are equal"]))
    df_b, df_j, df_e, df_w = n - 1, k - 1, (n - 1) * (k - 1), n * (k - 1)
    msb, msj, mse = ss_rows / df_b, ss_cols / df_j, ss_err / df_e
    msw = (ss_cols + ss_err) / df_w
    if mse == 0.0:
        notes = [*notes, "no residual variance: F is infinite and confidence bounds undefined"]
    alpha = 0.05
    q = stats.f.ppf
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
        icc3 = (msb - mse) / (msb + (k - 1) * mse)
        icc1k = (msb - msw) / msb
        icc2k = (msb - mse) / (msb + (msj - mse) / n)
        icc3k = (msb - mse) / msb
        f1 = np.float64(msb) / np.float64(msw)
        f2 = np.float64(msb) / np.float64(mse)
        p1 = float(stats.f.sf(f1, df_b, df_w))
        p2 = float(stats.f.sf(f2, df_b, df_e))
        f1_low = f1 / q(1 - alpha / 2, df_b, df_w)
        f1_up = f1 * q(1 - alpha / 2, df_w, df_b)
        f3_low = f2 / q(1 - alpha / 2, df_b, df_e)
        f3_up = f2 * q(1 - alpha / 2, df_e, df_b)
        # ICC2: Satterthwaite df for the rater-inflated denominator (Shrout & Fleiss 1979,
        # eq. 10-11, as coded in psych::ICC).
        fj = np.float64(msj) / np.float64(mse)
        vn = df_j * df_b * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = df_b * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f2_up = q(1 - alpha / 2, df_b, v)
        f2_low = q(1 - alpha / 2, v, df_b)
        denom = k * msj + (k * n - k - n) * mse
        l2 = n * (msb - f2_up * mse) / (f2_up * denom + n * msb)
        u2 = n * (f2_low * msb - mse) / (denom + n * f2_low * msb)
        bounds = {
            "ICC1": ((f1_low - 1) / (f1_low + k - 1), (f1_up - 1) / (f1_up + k - 1)),
            "ICC2": (l2, u2),
            "ICC3": ((f3_low - 1) / (f3_low + k - 1), (f3_up - 1) / (f3_up + k - 1)),
            "ICC1k": (1 - 1 / f1_low, 1 - 1 / f1_up),
            "ICC2k": (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
            "ICC3k": (1 - 1 / f3_low, 1 - 1 / f3_up),
        }
    values = {"ICC1": icc1, "ICC2": icc2, "ICC3": icc3, "ICC1k": icc1k, "ICC2k": icc2k}
    values["ICC3k"] = icc3k
    one_way = (float(f1), float(df_b), float(df_w), p1)
    two_way = (float(f2), float(df_b), float(df_e), p2)
    forms = {}
    for key in _ICC_KEYS:
        f, d1, d2, p = one_way if key.startswith("ICC1") else two_way
        low, up = bounds[key]
        forms[key] = IccForm(float(values[key]), (float(low), float(up)), f, d1, d2, p)
    if msb < msw or msb < mse:
        notes = [*notes, "less variance between targets than within: some ICCs negative"]
    return ShroutFleiss(forms, n, k, "; ".join(notes) if notes else None)


def _dropped_note(dropped: int) -> list[str]:
    if not dropped:
        return []
    noun = "target" if dropped == 1 else "targets"
    return [f"dropped {dropped} {noun} without a score from every rater"]


def shrout_fleiss(matrix: ArrayLike2D) -> ShroutFleiss:
    """Shrout & Fleiss (1979) intraclass correlations of a targets × raters table.

    With two-way ANOVA mean squares MSB (targets), MSJ (raters), MSE (residual) and the
    one-way within-target MSW, for ``n`` targets and ``k`` raters::

        ICC1  = (MSB - MSW) / (MSB + (k-1) MSW)                     ICC1k = (MSB - MSW) / MSB
        ICC2  = (MSB - MSE) / (MSB + (k-1) MSE + k (MSJ - MSE)/n)   ICC2k = (MSB - MSE) /
                                                                        (MSB + (MSJ - MSE)/n)
        ICC3  = (MSB - MSE) / (MSB + (k-1) MSE)                     ICC3k = (MSB - MSE) / MSB

    F = MSB/MSW on (n-1, n(k-1)) df for ICC1/ICC1k, MSB/MSE on (n-1, (n-1)(k-1)) df for the
    others; 95% bounds from the F distribution, for ICC2/ICC2k with Satterthwaite's df.
    Values, F, df, p and bounds equal R ``psych::ICC(x, lmer = FALSE)$results``. Targets
    missing a rater are dropped, with a reason.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater
    reliability. Psychological Bulletin, 86(2), 420-428.
    """
    x = np.asarray(matrix, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"shrout_fleiss takes a 2-D targets × raters array, got {x.shape}")
    complete = ~np.isnan(x).any(axis=1)
    return _shrout_fleiss_complete(x[complete], _dropped_note(int((~complete).sum())))


def shrout_fleiss_long(frame: pd.DataFrame, *, target: str, rater: str, score: str) -> ShroutFleiss:
    """:func:`shrout_fleiss` of a long table with one row per target and rater.

    Rows without a score are ignored; targets then lacking any rater's score are dropped
    and counted in ``reason``. Two scores for one target and rater is a ValueError.
    R: ``psych::ICC(tidyr::pivot_wider(...))`` on the complete targets.
    """
    missing = [c for c in (target, rater, score) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in frame: {missing}")
    data = frame.loc[frame[target].notna() & frame[rater].notna(), [target, rater, score]]
    all_targets = int(data[target].nunique())
    data = data[data[score].notna()]
    # Scatter into a targets × raters matrix through integer codes: a pandas pivot of
    # 100,000 rows costs more than the whole ANOVA.
    t_codes, t_labels = pd.factorize(data[target])
    r_codes, r_labels = pd.factorize(data[rater])
    n, k = len(t_labels), len(r_labels)
    cell = t_codes.astype(np.int64) * k + r_codes
    if cell.size and np.bincount(cell, minlength=n * k).max() > 1:
        raise ValueError(f"more than one {score!r} for a ({target!r}, {rater!r}) pair")
    flat = np.full(n * k, np.nan)
    flat[cell] = data[score].to_numpy(dtype=np.float64)
    x = flat.reshape(n, k)
    x = x[~np.isnan(x).any(axis=1)]
    return _shrout_fleiss_complete(x, _dropped_note(all_targets - x.shape[0]))
