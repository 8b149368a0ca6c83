"""KPI linkage over repeated periods: KPI ~ behaviour + (1 | site), fitted by REML.

See :func:`kpi_mixed_model` for the model, the optimiser safeguards and the ANOVA
cross-check of the site variance.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MixedModelResult", "kpi_mixed_model"]

_Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class MixedModelResult:
    """``KPI ~ behaviour + (1 | site)`` by REML.

    ``slope`` is the fixed effect of behaviour with a Wald 95% CI and p;
    ``site_variance`` / ``residual_variance`` the variance components and ``icc`` their
    share; ``anova_site_variance`` the one-way ANOVA (method of moments) estimate on the
    residuals of the fixed part, as a cross-check (it may be negative).
    """

    slope: float
    ci95: tuple[float, float]
    p: float
    site_variance: float
    residual_variance: float
    icc: float
    n_sites: int
    n_observations: int
    converged: bool
    method: str
    anova_site_variance: float
    reason: str | None = None


# --------------------------------------------------------------------------- correlation


_OPTIMIZERS = ("bfgs", "lbfgs", "cg", "nm")


def kpi_mixed_model(
    frame: pd.DataFrame,
    *,
    kpi: str = "value",
    behaviour: str = "leadership",
    site: str = "site",
) -> MixedModelResult:
    """Random-intercept model ``KPI ~ behaviour + (1 | site)`` over repeated periods.

    ``y_ij = β₀ + β₁ x_ij + u_j + e_ij``, ``u_j ~ N(0, τ²)``, ``e_ij ~ N(0, σ²)``, fitted by
    REML (Patterson & Thompson 1971) with statsmodels ``MixedLM``. Each optimizer in
    ``bfgs, lbfgs, cg, nm`` is tried and the fit with the highest REML log-likelihood kept,
    because a single optimizer can stop at ``τ² = 0`` and still report convergence. The
    slope's Wald CI and p use the GLS covariance ``(Σ_j X_jᵀ V_j⁻¹ X_j)⁻¹`` at the REML
    variances, as ``vcov`` of R ``lme4::lmer(value ~ behaviour + (1 | site), REML = TRUE)``
    and ``confint(fit, method = "Wald")``.

    ``anova_site_variance`` is the one-way ANOVA estimate ``(MSB − MSW)/n₀`` of the OLS
    residuals by site, ``n₀ = (N − Σn_j²/N)/(k − 1)`` (Searle, Casella & McCulloch 1992,
    *Variance Components*, §3.6). When the fit puts ``τ²`` at zero but that ANOVA is
    significant (p < 0.05), ``reason`` says so.

    Parameters
    ----------
    frame
        Long table with the ``kpi``, ``behaviour`` and ``site`` columns (e.g. from
        :func:`lagged_pairs`); rows with a missing value are left out.
    kpi, behaviour, site
        Column names.
    """
    missing = [c for c in (kpi, behaviour, site) if c not in frame.columns]
    if missing:
        raise ValueError(f"kpi_mixed_model: frame lacks columns {missing}")
    y_all = pd.to_numeric(frame[kpi], errors="coerce").to_numpy(dtype=np.float64)
    x_all = pd.to_numeric(frame[behaviour], errors="coerce").to_numpy(dtype=np.float64)
    keep = np.isfinite(y_all) & np.isfinite(x_all) & frame[site].notna().to_numpy()
    y, x = y_all[keep], x_all[keep]
    codes, sites = pd.factorize(frame[site][keep].astype(str))
    k, n_obs = len(sites), len(y)
    nan2 = (math.nan, math.nan)

    def empty(reason: str, anova: float = math.nan) -> MixedModelResult:
        return MixedModelResult(
            math.nan,
            nan2,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            k,
            n_obs,
            False,
            "REML",
            anova,
            reason,
        )

    if k < 3:
        return empty(f"only {k} sites with complete data; a mixed model needs at least 3")
    if np.all(x == x[0]):
        return empty(f"{behaviour} does not vary")
    if np.all(y == y[0]):
        return empty(f"{kpi} does not vary")
    if n_obs <= k:
        return empty(
            "no site has more than one period: site and residual variance cannot be told apart"
        )
    design = np.column_stack([np.ones(n_obs), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    anova, anova_p = _anova_site_variance(resid, codes, k)
    fit = _fit_reml(y, design, codes)
    if fit is None:
        return empty("the mixed model could not be fitted by any optimizer", anova)
    result, optimizer = fit
    tau2 = max(float(np.asarray(result.cov_re)[0, 0]), 0.0)
    sigma2 = float(result.scale)
    beta = np.asarray(result.fe_params, dtype=np.float64)
    se = math.sqrt(_gls_covariance(design, codes, k, tau2, sigma2)[1, 1])
    slope = float(beta[1])
    reason = None
    if tau2 <= 1e-8 * (tau2 + sigma2) and anova > 0 and anova_p < 0.05:
        reason = (
            f"the mixed model puts the site variance at zero although a one-way "
            f"ANOVA of the residuals finds between-site variance ({anova:.3g}, "
            f"p = {anova_p:.2g}); read the slope with care"
        )
    return MixedModelResult(
        slope=slope,
        ci95=(slope - _Z975 * se, slope + _Z975 * se),
        p=float(2.0 * stats.norm.sf(abs(slope / se))),
        site_variance=tau2,
        residual_variance=sigma2,
        icc=tau2 / (tau2 + sigma2),
        n_sites=k,
        n_observations=n_obs,
        converged=bool(result.converged),
        method=f"REML (statsmodels MixedLM, {optimizer})",
        anova_site_variance=anova,
        reason=reason,
    )


def _fit_reml(y: np.ndarray, design: np.ndarray, codes: np.ndarray) -> tuple[Any, str] | None:
    """Fit with every optimizer; keep the highest REML log-likelihood (converged on ties)."""
    # Imported here so that importing colead.analysis does not pay for statsmodels.
    from statsmodels.regression.mixed_linear_model import MixedLM

    model = MixedLM(y, design, groups=codes)
    best: tuple[Any, str] | None = None
    for optimizer in _OPTIMIZERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = model.fit(reml=True, method=optimizer)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if not np.isfinite(result.llf):
            continue
        if best is None:
            best = (result, optimizer)
            continue
        gain = result.llf - best[0].llf
        if gain > 1e-9 or (gain > -1e-9 and result.converged and not best[0].converged):
            best = (result, optimizer)
    return best


def _gls_covariance(
    design: np.ndarray, codes: np.ndarray, k: int, tau2: float, sigma2: float
) -> np.ndarray:
    """``(Σ_j X_jᵀ V_j⁻¹ X_j)⁻¹`` with ``V_j = σ² I + τ² J`` (closed-form inverse)."""
    n_j = np.bincount(codes, minlength=k).astype(np.float64)
    sums = np.zeros((k, design.shape[1]))
    np.add.at(sums, codes, design)
    shrink = tau2 / (sigma2 + n_j * tau2)
    info = (design.T @ design - (sums.T * shrink) @ sums) / sigma2
    return np.asarray(np.linalg.inv(info), dtype=np.float64)


def _anova_site_variance(resid: np.ndarray, codes: np.ndarray, k: int) -> tuple[float, float]:
    """One-way ANOVA estimate ``(MSB − MSW)/n₀`` of the between-site variance, and its p."""
    n = len(resid)
    n_j = np.bincount(codes, minlength=k).astype(np.float64)
    means = np.bincount(codes, weights=resid, minlength=k) / n_j
    msb = float(n_j @ (means - resid.mean()) ** 2) / (k - 1)
    msw = float(((resid - means[codes]) ** 2).sum()) / (n - k)
    n0 = (n - float(n_j @ n_j) / n) / (k - 1)
    p = float(stats.f.sf(msb / msw, k - 1, n - k)) if msw > 0 else 0.0
    return (msb - msw) / n0, p
