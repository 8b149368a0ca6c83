"""Internal consistency of a scale: Cronbach's alpha and McDonald's omega (one factor).

Both functions take a respondents × items table (NaN = not answered) and return a frozen
result; columns are items, named from the DataFrame or ``item1, item2, ...`` for arrays.

Missing answers
---------------
``missing="pairwise"`` (psych's default) estimates each covariance from the respondents who
answered both items, each variance from everyone who answered that item, as R's
``cov(x, use = "pairwise")``; omega's correlations likewise use each pair's own rows for
means and standard deviations (``cor(x, use = "pairwise")``). ``missing="listwise"`` first
drops every row with a missing answer, as ``psych::alpha(na.omit(x))``.

``n`` is the number of respondents behind the estimate: rows with at least two answers
(pairwise) or complete rows (listwise). A row with fewer than two answers adds nothing to
any covariance, so it is not counted. ``psych::alpha`` uses ``nrow(x)`` for its Feldt
interval instead; the two agree whenever every row has two or more answers (e.g.
``psych::bfi``), and otherwise this module's interval equals
``psych:::alpha.ci(alpha, n, k)`` at the n reported here.

Items without variance
----------------------
An item that everybody answered alike (or that fewer than two people answered) has no
variance. It adds a constant to every total score, which leaves the reliability of the total
unchanged, so such items are left out and named in ``reason``; ``k`` counts the items used,
and the left-out items get NaN in the per-item dictionaries. ``psych::alpha`` does the same
(with a warning).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297–334.
Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability
coefficient twenty. *Psychometrika*, 30(3), 357–370.
Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
alpha. *Applied Psychological Measurement*, 11(1), 93–103.
McDonald, R. P. (1999). *Test theory: A unified treatment*. Mahwah, NJ: Erlbaum.
Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
*Psychometrika*, 32(4), 443–482.
Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and personality
research* (R package 2.2.9).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = [
    "PSI_LOWER",
    "AlphaResult",
    "OmegaResult",
    "cronbach_alpha",
    "mcdonald_omega",
]

#: Lower bound of a uniqueness in the ML fit, as ``factanal(..., lower = 0.005)``.
PSI_LOWER = 0.005

_MISSING = ("pairwise", "listwise")


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its Feldt interval and item statistics.

    ``k`` is the number of items used (items without variance are left out), ``n`` the
    respondents behind it (see the module docstring). ``item_total`` is the corrected
    item–total correlation (psych's ``r.drop``) and ``alpha_if_deleted`` the raw alpha of
    the other items (psych's ``alpha.drop$raw_alpha``; NaN when only one item would remain).
    ``ci95`` is the Feldt interval at the requested ``ci`` level (95 % by default).
    """

    alpha: float
    ci95: tuple[float, float]
    n: int
    k: int
    missing: str
    item_total: dict[str, float]
    alpha_if_deleted: dict[str, float]
    reason: str | None = None


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor ML model of the item correlations.

    ``loadings`` are standardized, signed so that they sum to a positive number;
    ``uniquenesses`` are ``1 - loading**2``. ``converged`` says whether the optimiser
    converged; ``reason`` explains a NaN or flags a Heywood case.
    """

    omega: float
    loadings: dict[str, float]
    uniquenesses: dict[str, float]
    n: int
    k: int
    converged: bool
    reason: str | None = None


def cronbach_alpha(
    data: pd.DataFrame | np.ndarray, *, missing: str = "pairwise", ci: float = 0.95
) -> AlphaResult:
    """Cronbach's (1951) coefficient alpha with the Feldt (1965) confidence interval.

    From the item covariance matrix C of the k items::

        alpha = k / (k - 1) * (1 - sum_i C_ii / sum_ij C_ij)

    Corrected item–total correlation of item i with the sum of the others::

        r_drop_i = (sum_j C_ij - C_ii) / sqrt(C_ii * sum_{j,l != i} C_jl)

    Feldt interval (Feldt 1965; Feldt, Woodruff & Salih 1987), with gamma = 1 - ci and
    F_p the p-quantile of F(n - 1, (n - 1)(k - 1))::

        lower = 1 - (1 - alpha) * F_{1 - gamma/2}
        upper = 1 - (1 - alpha) * F_{gamma/2}

    Matches ``psych::alpha(x, use = "pairwise")`` (``raw_alpha``, ``feldt``,
    ``item.stats$r.drop``, ``alpha.drop$raw_alpha``) and ``psych::alpha(na.omit(x))``.
    Reverse-keyed items must be reversed by the caller (psych's ``keys``).

    Parameters
    ----------
    data
        Respondents × items; NaN marks a missing answer.
    missing
        ``"pairwise"`` or ``"listwise"``; see the module docstring.
    ci
        Coverage of the interval, in (0, 1).

    Returns
    -------
    AlphaResult
        ``alpha`` is NaN, with ``reason``, when fewer than two items have variance, fewer
        than two respondents answered two items, a pair of items was never answered together
        by two respondents, or the total variance is not positive. Left-out items are named
        in ``reason`` even when alpha is defined.
    """
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must lie strictly between 0 and 1, got {ci!r}")
    names, x, n, notes = _prepare(data, missing)
    nan_items = dict.fromkeys(names, math.nan)

    def fail(why: str, k: int) -> AlphaResult:
        return AlphaResult(
            math.nan, (math.nan, math.nan), n, k, missing, nan_items, dict(nan_items), why
        )

    if len(names) < 2:
        return fail("alpha needs at least 2 items", len(names))
    cov, _, used, problem = _covariance(x, names, n, notes)
    k = len(used)
    if problem is not None:
        return fail(problem, k)
    if k < 2:
        return fail(_join(*notes, f"only {k} item(s) with variance; alpha needs 2"), k)
    total = float(cov.sum())
    if not total > 0.0:
        return fail(_join(*notes, "the total score has no variance"), k)

    alpha = _alpha(cov)
    item_total = dict(nan_items)
    if_deleted = dict(nan_items)
    for i, name in enumerate(used):
        keep = np.arange(k) != i
        rest = cov[np.ix_(keep, keep)]
        rest_total = float(rest.sum())
        cross = float(cov[i].sum() - cov[i, i])
        if rest_total > 0.0:
            item_total[name] = cross / math.sqrt(float(cov[i, i]) * rest_total)
        if k > 2 and rest_total > 0.0:
            if_deleted[name] = _alpha(rest)

    gamma = 1.0 - ci
    if n >= 2:
        df1, df2 = n - 1, (n - 1) * (k - 1)
        lower = 1.0 - (1.0 - alpha) * float(stats.f.ppf(1.0 - gamma / 2.0, df1, df2))
        upper = 1.0 - (1.0 - alpha) * float(stats.f.ppf(gamma / 2.0, df1, df2))
        interval = (lower, upper)
    else:  # unreachable in practice: a covariance needs two respondents with two answers
        interval = (math.nan, math.nan)
        notes.append("fewer than 2 respondents: no confidence interval")
    return AlphaResult(
        alpha, interval, n, k, missing, item_total, if_deleted, _join(*notes) or None
    )


def mcdonald_omega(data: pd.DataFrame | np.ndarray, *, missing: str = "pairwise") -> OmegaResult:
    """McDonald's (1999) omega total from a one-factor maximum-likelihood model.

    The item correlation matrix R (R's ``cor(x, use = "pairwise")``, or of the complete
    rows for ``missing="listwise"``) is fitted by one
    factor, R ≈ λλᵀ + Ψ, by maximum likelihood (Jöreskog 1967): minimise over the
    uniquenesses ψ ∈ [0.005, 1] ::

        F(ψ) = log|Σ| + tr(R Σ⁻¹) − log|R| − p,   Σ = λλᵀ + diag(ψ)

    where for given ψ the best λ = Ψ^{1/2} v sqrt(max(θ − 1, 0)), θ and v the largest
    eigenvalue and its eigenvector of Ψ^{-1/2} R Ψ^{-1/2} (the algorithm of
    ``stats::factanal``). With the standardized loadings λ and ψ_i = 1 − λ_i² ::

        omega = (Σ λ_i)² / ((Σ λ_i)² + Σ ψ_i)

    the share of the unit-weighted total's model-implied variance due to the common factor
    (McDonald 1999). The loadings equal ``factanal(covmat = R, factors = 1,
    n.obs = n)$loadings`` and the standardized loadings of ``lavaan::cfa("f =~ x1 + ...",
    sample.cov = R, sample.nobs = n, std.lv = TRUE, estimator = "ML")``. ``psych::omega``
    is not the reference: by default it fits a bifactor (Schmid–Leiman) model by minres,
    and its ``omega.tot`` divides by the observed ``sum(R)`` rather than the model-implied
    variance, so it is a different quantity.

    Parameters
    ----------
    data
        Respondents × items; NaN marks a missing answer.
    missing
        ``"pairwise"`` or ``"listwise"``.

    Returns
    -------
    OmegaResult
        ``omega`` is NaN, with ``reason``, when fewer than three items have variance (one
        factor is not identified), R is not positive definite, or the fit does not
        converge. A Heywood case (a uniqueness at the 0.005 bound, as factanal's
        ``lower``) keeps its omega and is named in ``reason``.
    """
    names, x, n, notes = _prepare(data, missing)
    nan_items = dict.fromkeys(names, math.nan)

    def fail(why: str, k: int) -> OmegaResult:
        return OmegaResult(math.nan, nan_items, dict(nan_items), n, k, False, why)

    if len(names) < 3:
        return fail("a one-factor model needs at least 3 items", len(names))
    _, corr, used, problem = _covariance(x, names, n, notes)
    k = len(used)
    if problem is not None:
        return fail(problem, k)
    if k < 3:
        return fail(_join(*notes, f"only {k} item(s) with variance; one factor needs 3"), k)
    if not np.isfinite(corr).all():
        return fail(_join(*notes, "an item pair has no variance on the rows answered by both"), k)
    if float(np.linalg.eigvalsh(corr)[0]) <= 1e-10:
        return fail(
            _join(
                *notes,
                "the item correlation matrix is not positive definite "
                "(collinear items, or too few shared answers under pairwise deletion)",
            ),
            k,
        )

    psi, converged = _fit_one_factor(corr)
    if not converged:
        return fail(_join(*notes, "the maximum-likelihood factor fit did not converge"), k)
    lam = _loadings(psi, corr)
    if lam.sum() < 0:
        lam = -lam
    unique = 1.0 - lam**2
    common = float(lam.sum()) ** 2
    omega = common / (common + float(unique.sum()))

    heywood = [name for name, p in zip(used, psi, strict=True) if p <= PSI_LOWER * (1 + 1e-6)]
    if heywood:
        notes.append(
            f"Heywood case: the uniqueness of {', '.join(heywood)} reached the lower bound "
            f"{PSI_LOWER} (loading near 1), so omega is at the edge of the admissible range"
        )
    loadings = dict(nan_items)
    uniquenesses = dict(nan_items)
    for name, value, u in zip(used, lam, unique, strict=True):
        loadings[name] = float(value)
        uniquenesses[name] = float(u)
    return OmegaResult(omega, loadings, uniquenesses, n, k, True, _join(*notes) or None)


def _prepare(
    data: pd.DataFrame | np.ndarray, missing: str
) -> tuple[list[str], np.ndarray, int, list[str]]:
    """Item names, float matrix after the missing-data rule, n, and notes for ``reason``."""
    if missing not in _MISSING:
        raise ValueError(f"missing must be one of {_MISSING}, got {missing!r}")
    if isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        if len(set(names)) != len(names):
            raise ValueError("item (column) names must be unique")
        try:
            x = data.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"items must be numeric: {exc}") from exc
    else:
        arr: Any = np.asarray(data)
        if arr.ndim != 2:
            raise ValueError(f"data must be 2-D (respondents × items), got {arr.ndim}-D")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise ValueError(f"items must be numeric, got dtype {arr.dtype}")
        x = arr.astype(np.float64)
        names = [f"item{j + 1}" for j in range(x.shape[1])]
    if x.ndim != 2:
        raise ValueError("data must be 2-D (respondents × items)")
    if np.isinf(x).any():
        raise ValueError("data contain infinite values; use NaN for a missing answer")
    notes: list[str] = []
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
        n = int(x.shape[0]) if x.shape[1] > 0 else 0
    else:
        n = int((np.sum(~np.isnan(x), axis=1) >= 2).sum())
    return names, x, n, notes


def _covariance(
    x: np.ndarray, names: list[str], n: int, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str], str | None]:
    """Covariances and correlations of the items with variance, their names, and a fatal
    problem if any.

    Left-out items are appended to ``notes``. The covariance of a pair uses the rows where
    both are answered, centred on those rows' own means, and its correlation divides by the
    standard deviations on those same rows: R's ``cov`` and ``cor`` with
    ``use = "pairwise"``. Without missing answers this is the ordinary correlation matrix.
    """
    empty = np.empty((0, 0))
    if n < 2:
        return empty, empty, [], _join(*notes, f"n = {n}: fewer than 2 respondents")
    answered = ~np.isnan(x)
    counts = answered.sum(axis=0)
    with np.errstate(invalid="ignore"):
        # Centre each column first: the covariance is unchanged and the sums below lose
        # less precision.
        centre = np.where(counts > 0, np.nanmean(np.where(answered, x, np.nan), axis=0), 0.0)
    z = np.where(answered, x - centre, 0.0)
    m = answered.astype(np.float64)
    pair_n = m.T @ m
    sum_x = z.T @ m  # [i, j] = sum of z_i over rows where j is answered (and i, as z_i=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        full = (z.T @ z - sum_x * sum_x.T / pair_n) / (pair_n - 1.0)
        # [i, j] = variance of item i over the rows where j is answered too
        pair_var = ((z * z).T @ m - sum_x * sum_x / pair_n) / (pair_n - 1.0)
        full_corr = full / np.sqrt(pair_var * pair_var.T)
    var = np.diag(full)
    # Identical answers leave only rounding noise of the centring, of order eps * |mean|.
    flat = (counts < 2) | ~(np.isfinite(var) & (var > (1e-9 * np.abs(centre)) ** 2))
    if flat.any():
        dropped = [name for name, f in zip(names, flat, strict=True) if f]
        notes.append(
            f"left out for having no variance: {', '.join(dropped)} "
            "(a constant adds nothing to the total's variance)"
        )
    keep = np.flatnonzero(~flat)
    used = [names[j] for j in keep]
    cov = full[np.ix_(keep, keep)]
    corr = full_corr[np.ix_(keep, keep)]
    np.fill_diagonal(corr, 1.0)
    sub_n = pair_n[np.ix_(keep, keep)]
    if keep.size >= 2 and (sub_n < 2).any():
        i, j = np.argwhere(sub_n < 2)[0]
        why = (
            f"items {used[i]} and {used[j]} were answered together by fewer than "
            "2 respondents, so their covariance is undefined"
        )
        return cov, corr, used, _join(*notes, why)
    return cov, corr, used, None


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return float(k / (k - 1) * (1.0 - float(np.trace(cov)) / float(cov.sum())))


def _loadings(psi: np.ndarray, corr: np.ndarray) -> np.ndarray:
    """Best one-factor loadings for given uniquenesses (factanal's ``FAout``)."""
    root = np.sqrt(psi)
    values, vectors = np.linalg.eigh(corr / np.outer(root, root))
    return np.asarray(root * vectors[:, -1] * math.sqrt(max(values[-1] - 1.0, 0.0)))


def _objective(psi: np.ndarray, corr: np.ndarray) -> tuple[float, np.ndarray]:
    """ML discrepancy up to a constant and its gradient (factanal's ``FAfn``, ``FAgr``).

    With e the eigenvalues of Ψ^{-1/2} R Ψ^{-1/2} except the largest,
    F = −Σ(log e − e) + 1 − p, which is the concentrated discrepancy
    log|Σ| + tr(RΣ⁻¹) − log|R| − p.
    """
    root = np.sqrt(psi)
    values, vectors = np.linalg.eigh(corr / np.outer(root, root))
    rest = values[:-1]
    if (rest <= 0).any():
        return math.inf, np.zeros_like(psi)
    value = -float(np.sum(np.log(rest) - rest)) + 1.0 - psi.size
    lam = root * vectors[:, -1] * math.sqrt(max(values[-1] - 1.0, 0.0))
    grad = (lam**2 + psi - np.diag(corr)) / psi**2
    return value, np.asarray(grad)


def _fit_one_factor(corr: np.ndarray) -> tuple[np.ndarray, bool]:
    p = corr.shape[0]
    start = (1.0 - 0.5 / p) / np.diag(np.linalg.inv(corr))
    start = np.clip(start, PSI_LOWER, 1.0)
    # Tighter tolerances than factanal's optim defaults, so the answer is the optimum
    # itself rather than wherever a looser stop happened to land.
    res = optimize.minimize(
        _objective,
        start,
        args=(corr,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(PSI_LOWER, 1.0)] * p,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )
    psi = np.asarray(res.x, dtype=np.float64)
    # ABNORMAL line-search stops happen at an optimum already reached to machine precision;
    # accept them when the projected gradient is negligible.
    _, grad = _objective(psi, corr)
    at_lower = (psi <= PSI_LOWER * (1 + 1e-9)) & (grad > 0)
    at_upper = (psi >= 1.0 - 1e-12) & (grad < 0)
    free = ~(at_lower | at_upper)
    stationary = bool(np.all(np.abs(grad[free]) < 1e-5))
    return psi, bool(res.success) or stationary


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
