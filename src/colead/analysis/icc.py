"""Consistency of raters who each rate every target: Shrout & Fleiss (1979).

The six intraclass correlations from the two-way ANOVA of a targets × raters table, with
F tests and 95% confidence bounds computed exactly as R ``psych::ICC(x, lmer = FALSE)``.
Names follow psych: ICC1 one-way random, single rater; ICC2 two-way random, absolute
agreement; ICC3 two-way mixed, consistency; the ``k`` forms are for the mean of k raters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = ["IccForm", "ShroutFleiss", "shrout_fleiss", "shrout_fleiss_long"]

ArrayLike2D: TypeAlias = npt.ArrayLike | Sequence[Sequence[Any]]
Floats: TypeAlias = npt.NDArray[np.float64]

_ICC_KEYS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


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
