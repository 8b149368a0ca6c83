"""Benchmarks: where a score stands against a norm group (DESIGN.md §5 "benchmark").

Formulas
--------
A norm gives either percentile points ``(v_k, p_k)`` (the score ``v_k`` at the ``p_k``-th
percentile, ``p_k`` in ``PERCENTILE_POINTS``) or only a mean ``μ`` and SD ``σ``.

*Interpolated* (percentile points present): piecewise-linear between the points,
exactly as R ``approx(x = v, y = p, xout = score, ties = mean)``; tied values ``v_k`` are
collapsed to one point at the mean of their percentiles. Outside ``[v_min, v_max]`` the
tail is the normal tail scaled to meet the end point, so the curve stays continuous and
monotone::

    below v_min:  P = p_min · Φ(z) / Φ(z_min)
    above v_max:  P = 100 − (100 − p_max) · (1 − Φ(z)) / (1 − Φ(z_max))

with ``z = (score − μ)/σ``. When the norm has no usable mean/SD the percentile is clamped
to the end point and ``reason`` says so.

*Normal* (only mean and SD): ``P = 100 · Φ((score − μ)/σ)``, R ``100 * pnorm(score, μ, σ)``.

Bands (DESIGN.md §5): ``low`` below the 30th percentile, ``high`` above the 70th, else
``middle``; ``unknown`` when there is no percentile.

Norms built from data (:func:`build_norms`) use the sample quantiles of Hyndman & Fan
(1996, "Sample quantiles in statistical packages", definition 7), R's default
``quantile(x, type = 7)`` and numpy's ``method="linear"``, and the SD with ``n − 1``
(R ``sd``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "PERCENTILE_POINTS",
    "Norm",
    "PercentileResult",
    "band",
    "build_norms",
    "norm_records",
    "percentile_rank",
    "percentile_ranks",
]

PERCENTILE_POINTS = (5, 10, 25, 50, 75, 90, 95)

_RANK_COLUMNS = ["id", "scale_id", "score", "percentile", "band", "method", "reason"]


@dataclass(frozen=True)
class Norm:
    """A norm group for one scale.

    ``percentiles`` maps a percentile (0 < p < 100) to the score at that percentile; it may
    be empty, and then ranks use the normal approximation from ``mean`` and ``sd``.
    ``synthetic`` marks norms built from simulated data, which a report must label.
    """

    scale_id: str
    n: int
    mean: float
    sd: float
    percentiles: dict[int, float] = field(default_factory=dict)
    source: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class PercentileResult:
    """Percentile rank (0–100) of one score, its band and how it was found.

    ``method`` is ``"interpolated"`` (percentile points) or ``"normal"`` (mean/SD);
    :func:`percentile_ranks` uses ``"none"`` for scales without a norm. ``reason`` says why
    ``percentile`` is NaN, or flags a clamped value.
    """

    percentile: float
    band: str
    method: str
    reason: str | None = None


def band(percentile: float, low: float = 30.0, high: float = 70.0) -> str:
    """Band of a percentile: ``low`` (< ``low``), ``high`` (> ``high``), else ``middle``.

    The bounds themselves are ``middle`` (DESIGN.md §5). NaN gives ``unknown``.
    """
    if low > high:
        raise ValueError(f"band: low ({low}) must not exceed high ({high})")
    if not np.isfinite(percentile):
        return "unknown"
    if percentile < low:
        return "low"
    if percentile > high:
        return "high"
    return "middle"


def percentile_rank(score: float, norm: Norm) -> PercentileResult:
    """Percentile rank of ``score`` in ``norm``.

    Parameters
    ----------
    score
        A scale score (NaN allowed: gives NaN with a reason).
    norm
        The norm of the score's scale.

    Returns
    -------
    PercentileResult
        Interpolated between the norm's percentile points (R ``approx(v, p, xout = score,
        ties = mean)``) with scaled normal tails beyond the outer points, or
        ``100 * pnorm(score, mean, sd)`` when the norm has no points. See the module
        docstring for the formulas.
    """
    pct, method, reasons = _ranks(np.array([score], dtype=np.float64), norm)
    return PercentileResult(float(pct[0]), band(float(pct[0])), method, reasons[0])


def percentiles(scores: np.ndarray, norm: Norm) -> np.ndarray:
    """The percentile of each of many scores in ``norm``, as :func:`percentile_rank` gives
    it one at a time (NaN where it is undefined); for ranking thousands of people."""
    return _ranks(np.asarray(scores, dtype=np.float64), norm)[0]


def percentile_ranks(scores: pd.DataFrame, norms: Mapping[str, Norm]) -> pd.DataFrame:
    """Percentile rank of every score against the norm of its scale.

    Parameters
    ----------
    scores
        Wide person × scale table (index: person id, columns: scale ids).
    norms
        Norm per scale id; scales without one get NaN with a reason.

    Returns
    -------
    pandas.DataFrame
        Long ``id, scale_id, score, percentile, band, method, reason``, one row per cell of
        ``scores`` in row-major order.
    """
    ids = np.asarray(scores.index)
    parts: list[pd.DataFrame] = []
    for scale_id in scores.columns:
        values = pd.to_numeric(scores[scale_id], errors="coerce").to_numpy(dtype=np.float64)
        norm = norms.get(str(scale_id))
        if norm is None:
            pct = np.full(values.shape, np.nan)
            method = "none"
            reasons: list[str | None] = [f"no norm for scale {scale_id}"] * len(values)
        else:
            pct, method, reasons = _ranks(values, norm)
        parts.append(
            pd.DataFrame(
                {
                    "id": ids,
                    "scale_id": str(scale_id),
                    "score": values,
                    "percentile": pct,
                    "band": [band(p) for p in pct],
                    "method": method,
                    "reason": reasons,
                    "_row": np.arange(len(values)),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=_RANK_COLUMNS)
    table = pd.concat(parts, ignore_index=True).sort_values("_row", kind="stable")
    return table[_RANK_COLUMNS].reset_index(drop=True)


def build_norms(
    scores: pd.DataFrame,
    *,
    min_n: int = 30,
    source: str | None = None,
    synthetic: bool = False,
) -> tuple[dict[str, Norm], dict[str, str]]:
    """Norms from a person × scale score table.

    Parameters
    ----------
    scores
        Wide person × scale table; NaN are unscored and left out.
    min_n
        Fewest scored people for a norm (at least 2).
    source, synthetic
        Copied into every norm.

    Returns
    -------
    norms, reasons
        ``Norm`` per scale with ``n >= min_n`` and some spread, with the percentiles
        ``PERCENTILE_POINTS`` as R ``quantile(x, probs, type = 7)`` and ``sd`` as R
        ``sd(x)``; and, for every other scale, why it has no norm.
    """
    if min_n < 2:
        raise ValueError(f"build_norms: min_n must be at least 2, got {min_n}")
    norms: dict[str, Norm] = {}
    reasons: dict[str, str] = {}
    probs = np.array(PERCENTILE_POINTS, dtype=np.float64)
    for scale_id in scores.columns:
        key = str(scale_id)
        values = pd.to_numeric(scores[scale_id], errors="coerce").to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if len(values) < min_n:
            reasons[key] = f"only {len(values)} people scored; a norm needs at least {min_n}"
            continue
        sd = float(np.std(values, ddof=1))
        if not sd > 0:
            reasons[key] = "all scores are equal; a norm needs some spread"
            continue
        points = np.percentile(values, probs, method="linear")
        norms[key] = Norm(
            scale_id=key,
            n=len(values),
            mean=float(np.mean(values)),
            sd=sd,
            percentiles={p: float(v) for p, v in zip(PERCENTILE_POINTS, points, strict=True)},
            source=source,
            synthetic=synthetic,
        )
    return norms, reasons


def _ranks(values: np.ndarray, norm: Norm) -> tuple[np.ndarray, str, list[str | None]]:
    """Percentiles of many scores against one norm: values, method and reason per score."""
    if norm.percentiles:
        pct, reasons = _interpolated(values, norm)
        method = "interpolated"
    else:
        pct, reasons = _normal(values, norm)
        method = "normal"
    missing = ~np.isfinite(values)
    pct[missing] = np.nan
    for k in np.flatnonzero(missing):
        reasons[k] = "score is missing"
    return pct, method, reasons


def _has_normal(norm: Norm) -> bool:
    return bool(np.isfinite(norm.mean) and np.isfinite(norm.sd) and norm.sd > 0)


def _normal(values: np.ndarray, norm: Norm) -> tuple[np.ndarray, list[str | None]]:
    if not _has_normal(norm):
        why = (
            "norm has no spread (sd = 0)"
            if np.isfinite(norm.sd) and norm.sd <= 0
            else "norm has neither percentile points nor a usable mean and sd"
        )
        return np.full(values.shape, np.nan), [why] * len(values)
    pct = 100.0 * stats.norm.cdf(values, loc=norm.mean, scale=norm.sd)
    return np.asarray(pct, dtype=np.float64), [None] * len(values)


def _interpolated(values: np.ndarray, norm: Norm) -> tuple[np.ndarray, list[str | None]]:
    pairs = sorted(norm.percentiles.items())
    p = np.array([float(k) for k, _ in pairs])
    v = np.array([float(x) for _, x in pairs])
    if np.any((p <= 0) | (p >= 100)):
        raise ValueError(f"norm {norm.scale_id}: percentile points must lie in (0, 100)")
    reasons: list[str | None] = [None] * len(values)
    if not np.all(np.isfinite(v)) or np.any(np.diff(v) < 0):
        why = "norm percentile points are not increasing with the percentile"
        return np.full(values.shape, np.nan), [why] * len(values)
    # Tied scores collapse to one point at the mean percentile, as approx(ties = mean).
    xs, inverse = np.unique(v, return_inverse=True)
    ys = np.bincount(inverse, weights=p) / np.bincount(inverse)
    pct = np.interp(values, xs, ys)
    lo, hi = values < xs[0], values > xs[-1]
    if _has_normal(norm):
        z = (values - norm.mean) / norm.sd
        z_lo, z_hi = (xs[0] - norm.mean) / norm.sd, (xs[-1] - norm.mean) / norm.sd
        # Log-scale ratios keep far tails finite where Φ underflows.
        with np.errstate(invalid="ignore"):
            below = ys[0] * np.exp(stats.norm.logcdf(z) - stats.norm.logcdf(z_lo))
            above = 100.0 - (100.0 - ys[-1]) * np.exp(stats.norm.logsf(z) - stats.norm.logsf(z_hi))
        pct = np.where(lo, below, np.where(hi, above, pct))
    else:
        for k in np.flatnonzero(lo):
            reasons[k] = (
                f"score below the lowest norm point ({xs[0]:g} at the {ys[0]:g}th "
                "percentile) and the norm has no sd: percentile clamped"
            )
        for k in np.flatnonzero(hi):
            reasons[k] = (
                f"score above the highest norm point ({xs[-1]:g} at the {ys[-1]:g}th "
                "percentile) and the norm has no sd: percentile clamped"
            )
    return np.asarray(pct, dtype=np.float64), reasons


def norm_records(norms: Mapping[str, Norm]) -> list[dict[str, object]]:
    """Norms as flat rows ``scale_id, n, mean, sd, p5 … p95`` (the canonical norms table)."""
    return [
        {"scale_id": n.scale_id, "n": n.n, "mean": n.mean, "sd": n.sd}
        | {f"p{p}": n.percentiles.get(p) for p in PERCENTILE_POINTS}
        for n in norms.values()
    ]
