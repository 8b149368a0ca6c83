"""KPI linkage: site-level links between observed behaviour and business results.

DESIGN.md §5 "KPI linkage": site-level Pearson and Spearman correlations with 95% CIs, a
mixed model when periods repeat, and a plain "exploratory" flag when there are fewer than
10 sites. With a handful of sites a correlation is a hint for a conversation, not evidence.

Formulas
--------
Pearson ``r`` with ``t = r √(n−2) / √(1−r²)`` on ``n − 2`` df and the Fisher (1921) CI
``tanh(atanh(r) ± z₀.₉₇₅ / √(n−3))``, as R ``cor.test(x, y)``.

Spearman ``ρ`` (Pearson on average ranks) with the p-value of R
``cor.test(x, y, method = "spearman")``: without ties and ``n ≤ 1290`` the distribution of
``S = (n³−n)(1−ρ)/6`` by Algorithm AS 89 (Best & Roberts 1975, "The upper tail
probabilities of Spearman's rho", Applied Statistics 24, 377–379) — exact enumeration for
``n ≤ 9``, the Edgeworth series for larger ``n`` — and otherwise the ``t`` approximation
above. The CI is Fisher's with the Bonett & Wright (2000, "Sample size requirements for
estimating Pearson, Kendall and Spearman correlations", Psychometrika 65, 23–28) variance
``(1 + ρ²/2)/(n−3)``; R has no built-in for it.

Permutation p (two-sided): ``(#{|r_b| ≥ |r|} + 1)/(B + 1)`` over ``B`` random permutations
of ``y`` (Phipson & Smyth 2010, "Permutation p-values should never be zero"), seeded.

Period helpers are documented on :func:`lagged_pairs`; the random-intercept model for
repeated periods is in :mod:`colead.analysis.mixedmodel`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "Correlation",
    "Linkage",
    "correlate",
    "lagged_pairs",
    "shift_period",
    "site_linkage",
]

_Z975 = float(stats.norm.ppf(0.975))
_METHODS = ("pearson", "spearman")


@dataclass(frozen=True)
class Correlation:
    """A correlation with its 95% CI, parametric and permutation p-values and n.

    ``exploratory`` is True when ``n`` is below the confirmatory minimum of sites.
    ``reason`` says why values are NaN (or why only the CI is missing).
    """

    method: str
    r: float
    ci95: tuple[float, float]
    p: float
    p_permutation: float
    n: int
    exploratory: bool
    reason: str | None = None


@dataclass(frozen=True)
class Linkage:
    """Pearson and Spearman links between one behaviour and one KPI across sites."""

    kpi: str
    behaviour: str
    pearson: Correlation
    spearman: Correlation
    n_sites: int
    exploratory: bool
    note: str


def correlate(
    x: ArrayLike,
    y: ArrayLike,
    *,
    method: str = "pearson",
    n_permutations: int = 9999,
    seed: int = 0,
    min_sites_confirmatory: int = 10,
) -> Correlation:
    """Correlation of two site-level variables (pairs with a missing value are dropped).

    Parameters
    ----------
    x, y
        1-D, same length.
    method
        ``"pearson"`` or ``"spearman"``.
    n_permutations
        Random permutations for ``p_permutation`` (0: not run, NaN with a reason).
    seed
        Seed of ``numpy.random.default_rng`` for the permutations.
    min_sites_confirmatory
        Fewer complete pairs than this marks the result exploratory.

    Returns
    -------
    Correlation
        Matches R ``cor.test(x, y, method = method)`` for ``r`` and ``p`` (and ``conf.int``
        for Pearson); see the module docstring for the Spearman CI.
    """
    if method not in _METHODS:
        raise ValueError(f"correlate: method must be one of {_METHODS}, got {method!r}")
    if n_permutations < 0:
        raise ValueError(f"correlate: n_permutations must be >= 0, got {n_permutations}")
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise ValueError(
            f"correlate: x and y must be 1-D of equal length, got {xa.shape}, {ya.shape}"
        )
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    n = len(xa)
    exploratory = n < min_sites_confirmatory
    nan2 = (math.nan, math.nan)

    def empty(reason: str) -> Correlation:
        return Correlation(method, math.nan, nan2, math.nan, math.nan, n, exploratory, reason)

    if n < 3:
        return empty(f"only {n} complete pairs; a correlation needs at least 3")
    for name, v in (("x", xa), ("y", ya)):
        if np.all(v == v[0]):
            return empty(f"{name} has no variation across the {n} pairs")

    if method == "spearman":
        xs, ys = stats.rankdata(xa), stats.rankdata(ya)
    else:
        xs, ys = xa, ya
    r = _pearson_r(xs, ys)
    if method == "pearson":
        p = _t_test_p(r, n)
        se = 1.0 / math.sqrt(n - 3) if n > 3 else math.nan
    else:
        ties = len(np.unique(xa)) < n or len(np.unique(ya)) < n
        p = _t_test_p(r, n) if ties or n > 1290 else _spearman_exact_p(r, n)
        se = math.sqrt((1.0 + r * r / 2.0) / (n - 3)) if n > 3 else math.nan
    reasons = []
    if n > 3:
        with np.errstate(divide="ignore"):
            z = float(np.arctanh(np.clip(r, -1.0, 1.0)))
        ci = (math.tanh(z - _Z975 * se), math.tanh(z + _Z975 * se))
    else:
        ci = nan2
        reasons.append("a 95% CI needs at least 4 pairs")
    if n_permutations:
        p_perm = _permutation_p(xs, ys, r, n_permutations, seed)
    else:
        p_perm = math.nan
        reasons.append("permutation test not run (n_permutations = 0)")
    return Correlation(
        method, r, ci, p, p_perm, n, exploratory, "; ".join(reasons) if reasons else None
    )


def _pearson_r(x: np.ndarray, y: np.ndarray) -> float:
    xc, yc = x - x.mean(), y - y.mean()
    r = float(xc @ yc / math.sqrt(float(xc @ xc) * float(yc @ yc)))
    return max(-1.0, min(1.0, r))


def _t_test_p(r: float, n: int) -> float:
    """Two-sided p of ``t = r √(n−2)/√(1−r²)`` on ``n − 2`` df (R ``cor.test``)."""
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt((n - 2) / (1.0 - r * r))
    return float(2.0 * stats.t.sf(abs(t), n - 2))


@lru_cache(maxsize=16)
def _spearman_null_counts(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``S = Σ(i − π(i))²`` over all ``n!`` permutations and their counts."""
    perms = np.array(list(permutations(range(n))), dtype=np.int64)
    s = ((perms - np.arange(n)) ** 2).sum(axis=1)
    values, counts = np.unique(s, return_counts=True)
    return values.astype(np.float64), counts.astype(np.float64)


def _prho(s: float, n: int, lower: bool) -> float:
    """AS 89: ``P(S ≥ s)``, or ``P(S < s)`` when ``lower``; exact for ``n ≤ 9``."""
    if s <= 0:
        return 0.0 if lower else 1.0
    if s > (n**3 - n) / 3.0:
        return 1.0 if lower else 0.0
    if n <= 9:
        values, counts = _spearman_null_counts(n)
        upper = float(counts[values >= s].sum() / counts.sum())
        return 1.0 - upper if lower else upper
    # Edgeworth series of Best & Roberts (1975); x is -ρ√(n−1) with a continuity shift.
    b = 1.0 / n
    x = (6.0 * (s - 1.0) * b / (n * n - 1.0) - 1.0) * math.sqrt(n - 1.0)
    x2 = x * x
    inner = 0.0072 - 0.0831 * b + x2 * b * (0.0131 - 4.6e-4 * x2)
    inner = 0.0879 + 0.0151 * b - x2 * inner
    inner = -0.0758 + b * (0.1033 + 0.3932 * b) - x2 * b * inner
    u = x * b * (0.2274 + b * (0.2531 + 0.1745 * b) + x2 * inner)
    correction = u * math.exp(-x2 / 2.0)
    pv = stats.norm.cdf(x) - correction if lower else stats.norm.sf(x) + correction
    return float(min(1.0, max(0.0, pv)))


def _spearman_exact_p(rho: float, n: int) -> float:
    """Two-sided p of R ``cor.test(method = "spearman", exact = TRUE)`` without ties."""
    q = (n**3 - n) * (1.0 - rho) / 6.0
    # R rounds S and, for the lower tail, asks P(S < round(q) + 2) = P(S <= round(q)).
    if q > (n**3 - n) / 6.0:
        p = _prho(float(round(q)), n, lower=False)
    else:
        p = _prho(float(round(q)) + 2.0, n, lower=True)
    return min(2.0 * p, 1.0)


def _permutation_p(x: np.ndarray, y: np.ndarray, r: float, b: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    xc, yc = x - x.mean(), y - y.mean()
    denom = math.sqrt(float(xc @ xc) * float(yc @ yc))
    # A tolerance so permutations that reproduce |r| up to rounding count as "as extreme".
    threshold = abs(r) - 1e-12
    hits, done, chunk = 0, 0, max(1, min(b, 2_000_000 // max(len(x), 1)))
    while done < b:
        m = min(chunk, b - done)
        shuffled = rng.permuted(np.tile(yc, (m, 1)), axis=1)
        hits += int(np.count_nonzero(np.abs(shuffled @ xc) / denom >= threshold))
        done += m
    return (hits + 1) / (b + 1)


# --------------------------------------------------------------------------- site linkage


def site_linkage(
    site_scores: pd.Series,
    kpi_values: pd.Series,
    *,
    kpi: str,
    behaviour: str,
    higher_is_better: bool = True,
    **kw: Any,
) -> Linkage:
    """Pearson and Spearman correlation of a behaviour score with a KPI across sites.

    Parameters
    ----------
    site_scores, kpi_values
        Indexed by site id; aligned on the index, sites missing either value are left out.
    kpi, behaviour
        Names for the result and its note.
    higher_is_better
        False for KPIs where lower is better (defects, days late): the correlation is
        reported as is and the note says that a negative r means better results.
    **kw
        ``n_permutations``, ``seed``, ``min_sites_confirmatory`` for :func:`correlate`.

    Returns
    -------
    Linkage
        With R ``cor.test(x, y)`` and ``cor.test(x, y, method = "spearman")`` numbers.
    """
    for name, s in (("site_scores", site_scores), ("kpi_values", kpi_values)):
        if not s.index.is_unique:
            raise ValueError(f"site_linkage: {name} has duplicate site ids")
    both = pd.concat([site_scores.rename("score"), kpi_values.rename("kpi")], axis=1, join="inner")
    x = pd.to_numeric(both["score"], errors="coerce").to_numpy(dtype=np.float64)
    y = pd.to_numeric(both["kpi"], errors="coerce").to_numpy(dtype=np.float64)
    pearson = correlate(x, y, method="pearson", **kw)
    spearman = correlate(x, y, method="spearman", **kw)
    n = pearson.n
    minimum = int(kw.get("min_sites_confirmatory", 10))
    parts = [
        f"exploratory only: fewer than {minimum} sites (n = {n})"
        if pearson.exploratory
        else f"{n} sites"
    ]
    if not higher_is_better:
        parts.append(
            f"lower {kpi} is better, so a negative r means more {behaviour} goes with "
            "better results"
        )
    if math.isnan(pearson.r) and pearson.reason:
        parts.append(f"no correlation: {pearson.reason}")
    return Linkage(kpi, behaviour, pearson, spearman, n, pearson.exploratory, "; ".join(parts))


# --------------------------------------------------------------------------- periods

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
_STEP = {"year": 12, "quarter": 3, "month": 1}


def _parse_period(period: str) -> tuple[str, int]:
    """Granularity and first month (months since year 0) of a canonical period string."""
    match = _PERIOD.match(str(period))
    if match is None:
        raise ValueError(f"period {period!r} is not canonical: use 'YYYY', 'YYYY-Qn' or 'YYYY-MM'")
    year, quarter, month = match.groups()
    if quarter:
        return "quarter", int(year) * 12 + (int(quarter) - 1) * 3
    if month:
        return "month", int(year) * 12 + int(month) - 1
    return "year", int(year) * 12


def _format_period(kind: str, start: int) -> str:
    year, month0 = divmod(start, 12)
    if kind == "year":
        return f"{year:04d}"
    if kind == "quarter":
        return f"{year:04d}-Q{month0 // 3 + 1}"
    return f"{year:04d}-{month0 + 1:02d}"


def shift_period(period: str, steps: int) -> str:
    """The period ``steps`` periods after ``period`` at the same granularity.

    ``shift_period("2024-Q4", 1) == "2025-Q1"``; ``shift_period("2024-12", 1) == "2025-01"``.
    """
    kind, start = _parse_period(period)
    return _format_period(kind, start + steps * _STEP[kind])


def _target_period(wave_period: str, kpi_kind: str, lag: int) -> str:
    kind, start = _parse_period(wave_period)
    last_month = start + _STEP[kind] - 1
    step = _STEP[kpi_kind]
    return _format_period(kpi_kind, (last_month // step + lag) * step)


def lagged_pairs(
    site_scores_by_period: pd.DataFrame, kpis: pd.DataFrame, *, lag: int = 1
) -> pd.DataFrame:
    """Pair behaviour measured in a wave period with each KPI ``lag`` periods later.

    Periods are canonical strings: ``"2024"`` (year), ``"2024-Q3"`` (quarter) or
    ``"2024-07"`` (month), ordered by the calendar (``"2024-Q4"`` is followed by
    ``"2025-Q1"``). Lags count periods of the KPI's own granularity after the KPI period
    that holds the wave period's last month: with ``lag = 1`` a wave in ``"2024-Q3"`` pairs
    with a quarterly KPI in ``"2024-Q4"``, a monthly KPI in ``"2024-10"`` and a yearly KPI
    in ``"2025"``. ``lag = 0`` pairs with the KPI period holding the wave's last month; a
    negative lag looks back (a placebo check).

    Parameters
    ----------
    site_scores_by_period
        Long ``site, period`` plus one or more behaviour columns (e.g. ``leadership``);
        one row per site and period.
    kpis
        Long ``site, period, kpi, value``; one row per site, period and KPI.
    lag
        Periods between the behaviour and the KPI.

    Returns
    -------
    pandas.DataFrame
        ``site, period, kpi_period, kpi, <behaviour columns>, value``, one row per wave
        row and KPI whose target period has a value, sorted by kpi, site and period — ready
        for :func:`kpi_mixed_model` with ``kpi="value"``.
    """
    for name, frame, cols in (
        ("site_scores_by_period", site_scores_by_period, ["site", "period"]),
        ("kpis", kpis, ["site", "period", "kpi", "value"]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"lagged_pairs: {name} lacks columns {missing}")
        if frame.duplicated(cols[:3] if name == "kpis" else cols).any():
            raise ValueError(f"lagged_pairs: {name} has more than one row per {cols[:3]}")
    behaviour_cols = [c for c in site_scores_by_period.columns if c not in ("site", "period")]
    scores = site_scores_by_period.assign(
        site=site_scores_by_period["site"].astype(str),
        period=site_scores_by_period["period"].astype(str),
    )
    k = kpis.assign(site=kpis["site"].astype(str), period=kpis["period"].astype(str))
    kinds = {p: _parse_period(p)[0] for p in k["period"].unique()}
    k = k.assign(_kind=k["period"].map(kinds))
    frames = []
    for (kpi, kind), block in k.groupby(["kpi", "_kind"], sort=True):
        target = scores.assign(
            kpi=kpi,
            kpi_period=[_target_period(p, str(kind), lag) for p in scores["period"]],
        )
        values = block[["site", "period", "value"]].rename(columns={"period": "kpi_period"})
        frames.append(target.merge(values, on=["site", "kpi_period"], how="inner"))
    columns = ["site", "period", "kpi_period", "kpi", *behaviour_cols, "value"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    order = out["period"].map(lambda p: _parse_period(p)[1])
    out = out.assign(_order=order).sort_values(["kpi", "site", "_order"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


# --------------------------------------------------------------------------- mixed model
