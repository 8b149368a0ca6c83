"""Programme effects adjusted for the baseline score (ANCOVA), against regression to the mean.

A development cohort is usually chosen among the people (or sites) that scored lowest at
baseline. Part of a low baseline score is measurement error, which does not repeat at
follow-up, so the cohort's scores rise even without a programme: regression to the mean.
A difference in differences credits that rise to the programme. Regressing the follow-up
score on the baseline score and the enrolment indicator compares enrolled and comparison
people *with the same baseline score*, which removes the regression when enrolment depends
on the measured baseline, as a selection on baseline scores does (Senn 2006; Van Breukelen
2006). :func:`ancova_effect` is that estimate; :mod:`colead.analysis.programme` reports it
as the primary effect and keeps the difference in differences beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from colead.analysis.evaluation import ols_cluster_robust

__all__ = ["ADJUSTMENT_METHOD", "AdjustedEffect", "ancova_effect"]

_NAN = float("nan")

#: How the adjusted estimates are made, in the words the reports use.
ADJUSTMENT_METHOD = (
    "ANCOVA on the baseline score: follow-up regressed on baseline and enrolment, so "
    "enrolled and comparison people are compared at the same starting score"
)


@dataclass(frozen=True)
class AdjustedEffect:
    """Baseline-adjusted programme effect (ANCOVA).

    ``effect`` is the coefficient of enrolment in ``post ~ treated + pre``; ``ci95`` and
    ``p`` use t with ``n_clusters - 1`` degrees of freedom under cluster-robust errors, or
    ``n - 3`` under classical errors (``cluster_robust`` False). ``baseline_slope`` is the
    coefficient of ``pre``: below 1 is the regression to the mean the adjustment removes.
    ``baseline_gap`` is the treated minus comparison mean at baseline (negative when the
    cohort started lower). ``unadjusted`` is the difference in mean changes, for comparison.
    """

    effect: float
    se: float
    ci95: tuple[float, float]
    p: float
    n: int
    n_treated: int
    n_control: int
    n_clusters: int
    cluster_robust: bool
    baseline_slope: float
    baseline_gap: float
    unadjusted: float
    reason: str | None = None


def ancova_effect(
    pre: ArrayLike,
    post: ArrayLike,
    treated: ArrayLike,
    cluster: ArrayLike | None = None,
) -> AdjustedEffect:
    """Effect of enrolment on the follow-up score, adjusted for the baseline score.

    Model, one row per unit observed at both waves::

        post_i = b0 + b1 · treated_i + b2 · pre_i + e_i,            effect = b1

    With ``cluster`` (e.g. each person's site) the covariance is CR1 as in
    :func:`colead.analysis.evaluation.difference_in_differences` and the reference
    distribution t(G - 1); without it the classical OLS covariance and t(n - 3), the right
    choice for one row per site where clusters would be the rows themselves.

    The difference in differences is the special case ``b2 = 1``. When units are enrolled
    because of a low measured baseline, ``b2 < 1`` (the baseline is partly error) and the
    difference in differences overstates the effect by ``(1 - b2) · (control - treated
    baseline mean)``; the ANCOVA does not (Senn 2006). It assumes the follow-up score is
    linear in the baseline score within both groups, with a common slope.

    Parameters
    ----------
    pre, post
        Baseline and follow-up score of each unit; units missing either are dropped.
    treated
        Enrolment indicator (bool or 0/1) of each unit.
    cluster
        Optional cluster label of each unit (sites); units without one are dropped.

    References
    ----------
    Senn, S. (2006). Change from baseline and analysis of covariance revisited. Statistics
    in Medicine 25, 4334-4344. Van Breukelen, G. J. P. (2006). ANCOVA versus change from
    baseline had more power in randomized studies and more bias in nonrandomized studies.
    Journal of Clinical Epidemiology 59, 920-925. Barnett, van der Pols & Dobson (2005).
    Regression to the mean: what it is and how to deal with it. Int. J. Epidemiology 34,
    215-220.

    R: ``fit <- lm(post ~ treated + pre)``; clustered: ``lmtest::coeftest(fit,
    sandwich::vcovCL(fit, cluster = ~site, type = "HC1"), df = G - 1)``; classical:
    ``summary(fit)``.
    """
    x0 = np.asarray(pre, dtype=np.float64).ravel()
    x1 = np.asarray(post, dtype=np.float64).ravel()
    d = np.asarray(treated).astype(bool).ravel()
    if not x0.size == x1.size == d.size:
        raise ValueError(f"pre, post and treated differ in length: {x0.size}, {x1.size}, {d.size}")
    keep = np.isfinite(x0) & np.isfinite(x1)
    groups: np.ndarray | None = None
    if cluster is not None:
        labels = np.asarray(cluster, dtype=object).ravel()
        if labels.size != x0.size:
            raise ValueError("cluster has a different length from pre")
        present = np.array([v is not None and v == v for v in labels], dtype=bool)
        keep &= present
        groups = np.unique(labels[keep].astype(str), return_inverse=True)[1]
    x0, x1, d = x0[keep], x1[keep], d[keep]
    n, n_treated = int(x0.size), int(d.sum())
    n_control = n - n_treated
    n_clusters = int(groups.max()) + 1 if groups is not None and groups.size else n
    change = x1 - x0
    unadjusted = float(change[d].mean() - change[~d].mean()) if n_treated and n_control else _NAN
    gap = float(x0[d].mean() - x0[~d].mean()) if n_treated and n_control else _NAN
    base = AdjustedEffect(
        _NAN, _NAN, (_NAN, _NAN), _NAN, n, n_treated, n_control, n_clusters,
        groups is not None, _NAN, gap, unadjusted,
    )  # fmt: skip
    if n_treated == 0 or n_control == 0:
        side = "enrolled" if n_treated == 0 else "comparison"
        return replace(base, reason=f"no {side} unit observed in both waves: no comparison")
    if groups is not None and n_clusters < 2:
        return replace(base, reason=f"{n_clusters} cluster: cluster-robust errors need 2 or more")
    if groups is None and n < 4:
        return replace(base, reason=f"{n} units: an adjusted comparison needs at least 4")
    if np.ptp(x0) == 0:
        return replace(base, reason="the baseline scores do not vary: nothing to adjust for")
    x = np.column_stack([np.ones(n), d.astype(np.float64), x0])
    if np.linalg.matrix_rank(x) < 3:
        return replace(base, reason="enrolment and the baseline score are collinear")
    if groups is not None:
        beta, vcov = ols_cluster_robust(x, x1, groups)
        df = n_clusters - 1
    else:
        beta = np.linalg.lstsq(x, x1, rcond=None)[0]
        df = n - 3
        sigma2 = float(np.sum((x1 - x @ beta) ** 2)) / df
        vcov = sigma2 * np.linalg.inv(x.T @ x)
    effect, se = float(beta[1]), float(np.sqrt(max(vcov[1, 1], 0.0)))
    slope = float(beta[2])
    if not se > 1e-12 * (1 + np.abs(x1).max()):
        return replace(
            base, baseline_slope=slope, reason="the follow-up fits the baseline exactly: no error"
        )
    half = float(stats.t.ppf(0.975, df)) * se
    p = float(2 * stats.t.sf(abs(effect / se), df))
    return replace(
        base, effect=effect, se=se, ci95=(effect - half, effect + half), p=p, baseline_slope=slope
    )
