"""Programme evaluation across two waves: did the leadership programme work?

Paired change with effect sizes, reliable change of each person (Jacobson & Truax 1991),
difference-in-differences of trained versus untrained people or sites with site-clustered
errors, and a Kirkpatrick four-level summary of what can and cannot be concluded. Change is
always ``post - pre``, so a positive value is a rise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

__all__ = [
    "DiffInDiff",
    "PairedChange",
    "ReliableChange",
    "difference_in_differences",
    "ols_cluster_robust",
    "paired_change",
    "reliable_change",
    "site_kpi_did",
]

_NAN = float("nan")
_NAN_PAIR = (_NAN, _NAN)


@dataclass(frozen=True)
class PairedChange:
    """Mean change of paired scores (``post - pre``) with effect sizes.

    ``ci95`` is the 95 % CI of ``mean_change``; ``t``, ``df``, ``p`` are the paired t test;
    ``d_z`` standardises by the SD of the changes and ``d_av`` by the average of the SDs of
    ``pre`` and ``post``. NaN values come with a ``reason``.
    """

    n: int
    mean_pre: float
    mean_post: float
    mean_change: float
    sd_change: float
    ci95: tuple[float, float]
    t: float
    df: int
    p: float
    d_z: float
    d_z_ci95: tuple[float, float]
    d_av: float
    d_av_ci95: tuple[float, float]
    reason: str | None = None


def paired_change(pre: ArrayLike, post: ArrayLike) -> PairedChange:
    """Paired t test of ``post - pre`` with Cohen's d_z and d_av and their 95 % CIs.

    Pairs with NaN on either side are dropped.

    Formulas, with changes ``c_i = post_i - pre_i``, ``n`` pairs and ``df = n - 1``::

        t      = mean(c) / (sd(c) / sqrt(n))                 CI: mean(c) ± t_.975,df sd(c)/sqrt(n)
        d_z    = mean(c) / sd(c) = t / sqrt(n)
        d_av   = mean(c) / ((sd(pre) + sd(post)) / 2)

    CI of d_z (Cumming & Finch 2001): find the noncentrality parameters λ_L, λ_U of the
    noncentral t with ``df`` degrees of freedom for which the observed t is the 97.5th and
    2.5th percentile, ``P(T <= t | λ_L) = .975`` and ``P(T <= t | λ_U) = .025``; the CI is
    ``(λ_L, λ_U) / sqrt(n)``.

    CI of d_av: d_av = d_z · sd(c) / s_av, so the d_z limits are scaled by ``sd(c) / s_av``
    with ``s_av = (sd(pre) + sd(post)) / 2``. This is the approximate noncentral-t interval of
    Algina & Keselman (2003, equations 7–9, there with the root-mean-square standardiser); it
    treats the ratio ``sd(c) / s_av`` as known, so its coverage is approximate in small
    samples.

    References
    ----------
    Cumming & Finch (2001). A primer on ... confidence intervals that are based on central
    and noncentral distributions. Educ. Psychol. Meas. 61, 532–574.
    Algina & Keselman (2003). Approximate confidence intervals for effect sizes. Educ.
    Psychol. Meas. 63, 537–553. Cumming (2012). Understanding the new statistics.
    Lakens (2013). Calculating and reporting effect sizes to facilitate cumulative science:
    a practical primer for t-tests and ANOVAs. Frontiers in Psychology 4:863.

    R: ``t.test(post, pre, paired = TRUE)``; d_z CI as ``MBESS::ci.sm(ncp = t, N = n)``;
    d_av and its CI as ``itns::cohensd_rm`` with the average-SD standardiser.
    """
    x0, x1 = _paired_arrays(pre, post)
    keep = ~(np.isnan(x0) | np.isnan(x1))
    x0, x1 = x0[keep], x1[keep]
    n = int(x0.size)
    mean0, mean1 = (float(x0.mean()), float(x1.mean())) if n else (_NAN, _NAN)
    sd_change = float(np.std(x1 - x0, ddof=1)) if n > 1 else _NAN
    sd_av = (float(x0.std(ddof=1)) + float(x1.std(ddof=1))) / 2 if n > 1 else _NAN
    df = max(n - 1, 0)
    ci = d_z_ci = d_av_ci = _NAN_PAIR
    t = p = d_z = _NAN
    d_av = (mean1 - mean0) / sd_av if sd_av > 0 else _NAN
    reasons = []
    if n < 2:
        reasons.append(f"{n} complete pair(s): a change needs at least 2")
    elif sd_change == 0:
        reasons.append("everybody changed by the same amount: no test, CI or d_z")
    else:
        se = sd_change / np.sqrt(n)
        t = (mean1 - mean0) / se
        p = float(2 * stats.t.sf(abs(t), df))
        half = float(stats.t.ppf(0.975, df)) * se
        ci = (mean1 - mean0 - half, mean1 - mean0 + half)
        d_z = (mean1 - mean0) / sd_change
        lam_lo, lam_hi = _nct_limits(t, df)
        d_z_ci = (lam_lo / np.sqrt(n), lam_hi / np.sqrt(n))
        if np.isnan(d_z_ci).any():
            reasons.append(f"t = {t:.3g} is too extreme for a noncentral-t CI of d")
        if sd_av > 0:
            d_av_ci = (d_z_ci[0] * sd_change / sd_av, d_z_ci[1] * sd_change / sd_av)
    if n >= 2 and not sd_av > 0:
        reasons.append("pre and post scores do not vary: no d_av")
    return PairedChange(
        n=n,
        mean_pre=mean0,
        mean_post=mean1,
        mean_change=mean1 - mean0,
        sd_change=sd_change,
        ci95=_floats(ci),
        t=float(t),
        df=df,
        p=p,
        d_z=float(d_z),
        d_z_ci95=_floats(d_z_ci),
        d_av=float(d_av),
        d_av_ci95=_floats(d_av_ci),
        reason="; ".join(reasons) or None,
    )


def _floats(pair: tuple[Any, Any]) -> tuple[float, float]:
    return float(pair[0]), float(pair[1])


def _paired_arrays(pre: ArrayLike, post: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x0 = np.asarray(pre, dtype=np.float64)
    x1 = np.asarray(post, dtype=np.float64)
    if x0.ndim != 1 or x1.ndim != 1 or x0.shape != x1.shape:
        raise ValueError(f"pre and post must be 1-D of equal length, got {x0.shape}, {x1.shape}")
    return x0, x1


def _nct_limits(t: float, df: int, level: float = 0.95) -> tuple[float, float]:
    """Noncentrality parameters whose (1 ± level)/2 quantiles equal the observed t."""
    upper_tail = (1 + level) / 2

    def solve(prob: float) -> float:
        def f(lam: float) -> float:
            return float(stats.nct.cdf(t, df, lam)) - prob

        # The cdf falls as λ rises, so widen a bracket around t until it changes sign.
        width = 2.0 + abs(t)
        for _ in range(60):
            lo, hi = f(t - width), f(t + width)
            if not (np.isfinite(lo) and np.isfinite(hi)):
                return _NAN  # beyond the numerical range of the noncentral t
            if lo >= 0 >= hi:
                return float(optimize.brentq(f, t - width, t + width, xtol=1e-12, rtol=1e-14))
            width *= 2
        return _NAN

    return solve(upper_tail), solve(1 - upper_tail)


_RCI_COLUMNS = ["id", "pre", "post", "change", "rci", "category"]


@dataclass(frozen=True)
class ReliableChange:
    """Reliable change of each person (Jacobson & Truax 1991).

    ``rows`` has columns ``id, pre, post, change, rci, category`` with ``category`` one of
    ``improved``, ``unchanged``, ``deteriorated`` (None when no RCI can be computed).
    """

    sdiff: float
    se_measurement: float
    reliability: float
    sd_baseline: float
    improved: int
    unchanged: int
    deteriorated: int
    rows: pd.DataFrame
    reason: str | None = None


def reliable_change(
    pre: ArrayLike,
    post: ArrayLike,
    *,
    reliability: float,
    sd_baseline: float | None = None,
    ids: Sequence[str] | None = None,
    criterion: float = 1.96,
) -> ReliableChange:
    """Reliable change index of each person.

    Formulas (higher scores are better)::

        SE     = sd_baseline · sqrt(1 - r_xx)
        S_diff = sqrt(2 · SE²) = sqrt(2) · SE
        RCI    = (post - pre) / S_diff
        improved if RCI > criterion, deteriorated if RCI < -criterion, else unchanged

    Parameters
    ----------
    pre, post
        Scores of the same people at the two waves; pairs with NaN on either side are dropped.
    reliability
        Reliability ``r_xx`` of the score (test–retest, or Cronbach's alpha as a common
        substitute). A value outside [0, 1) or NaN gives a ``reason``.
    sd_baseline
        SD of the baseline population; defaults to the SD (ddof=1) of all non-missing ``pre``.
    ids
        Person ids for ``rows`` (default "0", "1", ...).
    criterion
        Two-sided critical value (1.96 for 95 %).

    References
    ----------
    Jacobson & Truax (1991). Clinical significance: A statistical approach to defining
    meaningful change in psychotherapy research. J. Consult. Clin. Psychol. 59, 12–19.

    R: ``(post - pre) / (sqrt(2) * sd(pre) * sqrt(1 - rxx))`` (no package needed).
    """
    x0, x1 = _paired_arrays(pre, post)
    if not criterion > 0:
        raise ValueError(f"criterion must be positive, got {criterion}")
    names = [str(k) for k in range(x0.size)] if ids is None else [str(i) for i in ids]
    if len(names) != x0.size:
        raise ValueError(f"ids has {len(names)} entries for {x0.size} pairs")
    if sd_baseline is None:
        observed = x0[~np.isnan(x0)]
        sd_base = float(observed.std(ddof=1)) if observed.size > 1 else _NAN
    else:
        sd_base = float(sd_baseline)
    keep = ~(np.isnan(x0) | np.isnan(x1))
    rows = pd.DataFrame(
        {"id": np.asarray(names, dtype=object)[keep], "pre": x0[keep], "post": x1[keep]}
    )
    rows["change"] = rows["post"] - rows["pre"]
    rel = float(reliability)

    reason = None
    if not 0 <= rel < 1:
        reason = f"reliability {rel} is outside [0, 1): the index needs 0 <= r_xx < 1"
    elif not sd_base > 0:
        reason = "the baseline scores do not vary (or fewer than 2): no standard error"
    elif rows.empty:
        reason = "no person has both a pre and a post score"
    if reason is not None:
        rows["rci"] = np.nan
        rows["category"] = None
        return ReliableChange(_NAN, _NAN, rel, sd_base, 0, 0, 0, rows[_RCI_COLUMNS], reason)

    se = sd_base * np.sqrt(1 - rel)
    sdiff = float(np.sqrt(2) * se)
    rci = rows["change"].to_numpy() / sdiff
    rows["rci"] = rci
    rows["category"] = np.select(
        [rci > criterion, rci < -criterion], ["improved", "deteriorated"], "unchanged"
    ).astype(object)
    counts = rows["category"].value_counts()
    improved, unchanged, deteriorated = (
        int(counts.get(c, 0)) for c in ("improved", "unchanged", "deteriorated")
    )
    return ReliableChange(
        sdiff, float(se), rel, sd_base, improved, unchanged, deteriorated,
        rows[_RCI_COLUMNS].reset_index(drop=True),
    )  # fmt: skip


@dataclass(frozen=True)
class DiffInDiff:
    """Difference-in-differences estimate of a programme effect.

    ``effect`` = ``treated_change - control_change`` with cluster-robust ``se``; ``ci95``
    and ``p`` use a t distribution with ``n_clusters - 1`` degrees of freedom.
    ``cluster_robust`` is True when errors are clustered by the ``cluster`` column (sites),
    False when they are clustered by unit only (each unit's two rows).
    """

    effect: float
    se: float
    ci95: tuple[float, float]
    p: float
    n_people: int
    n_treated: int
    n_control: int
    n_clusters: int
    cluster_robust: bool
    treated_change: float
    control_change: float
    reason: str | None = None


def difference_in_differences(
    frame: pd.DataFrame,
    *,
    outcome: str = "score",
    treated: str = "treated",
    post: str = "post",
    unit: str = "person_id",
    cluster: str | None = "site",
) -> DiffInDiff:
    """Two-wave difference-in-differences with cluster-robust (CR1) standard errors.

    Model on unit × wave rows, units observed in both waves only::

        y = b0 + b1·treated + b2·post + b3·treated·post + e,       effect = b3

    which in a balanced two-wave panel equals the mean change of the treated minus the mean
    change of the controls. Covariance (CR1, as Stata ``vce(cluster)`` and statsmodels
    ``cov_type="cluster"``), with G clusters, N rows and K = 4 coefficients::

        V = G/(G-1) · (N-1)/(N-K) · (X'X)⁻¹ [Σ_g X_g' e_g e_g' X_g] (X'X)⁻¹

    The CI and p use t(G - 1) rather than the normal: with few clusters the normal
    reference overstates precision (Cameron, Gelbach & Miller 2008; Cameron & Miller 2015).
    The estimate assumes treated and control units would have changed alike without the
    programme (parallel trends).

    Parameters
    ----------
    frame
        One row per unit and wave, with columns ``outcome``, ``treated`` (bool or 0/1,
        constant per unit), ``post`` (bool or 0/1), ``unit`` and, if given, ``cluster``
        (constant per unit). Rows with a missing outcome or cluster are dropped.
    cluster
        Column to cluster on (sites); None clusters on ``unit``.

    References
    ----------
    Angrist & Pischke (2009). Mostly harmless econometrics, ch. 5. Cameron & Miller (2015).
    A practitioner's guide to cluster-robust inference. J. Human Resources 50, 317–372.

    R: ``fit <- lm(y ~ treated * post)``; ``sandwich::vcovCL(fit, cluster = ~site,
    type = "HC1")``; ``lmtest::coeftest(fit, vcov., df = G - 1)``.
    """
    columns = [outcome, treated, post, unit] + ([cluster] if cluster else [])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}")
    data = frame[columns].dropna(subset=[outcome, *([cluster] if cluster else [])])
    data = data.assign(_post=data[post].astype(bool), _treated=data[treated].astype(bool))
    if data.duplicated([unit, "_post"]).any():
        raise ValueError(f"frame must have one row per {unit} and wave")
    for col in ["_treated", *([cluster] if cluster else [])]:
        if (data.groupby(unit)[col].nunique() > 1).any():
            raise ValueError(f"{col.lstrip('_')} must be constant within each {unit}")
    both = data.groupby(unit)["_post"].transform("nunique") == 2
    data = data[both]
    people = data.drop_duplicates(unit)
    n_people = len(people)
    n_treated = int(people["_treated"].sum())
    n_control = n_people - n_treated
    groups = data[cluster] if cluster else data[unit]
    n_clusters = int(groups.nunique())
    # Both columns even when nobody was observed twice (e.g. a follow-up with no answers yet).
    change = data.pivot(index=unit, columns="_post", values=outcome)
    change = change.reindex(columns=[False, True])
    change = (change[True] - change[False]).to_frame("change")
    change["treated"] = people.set_index(unit)["_treated"]
    treated_change = float(change.loc[change["treated"], "change"].mean()) if n_treated else _NAN
    control_change = float(change.loc[~change["treated"], "change"].mean()) if n_control else _NAN

    base = DiffInDiff(
        treated_change - control_change, _NAN, _NAN_PAIR, _NAN, n_people, n_treated,
        n_control, n_clusters, cluster is not None, treated_change, control_change,
    )  # fmt: skip
    if n_treated == 0 or n_control == 0:
        side = "treated" if n_treated == 0 else "control"
        return replace(base, reason=f"no {side} {unit} observed in both waves: no comparison")
    if n_clusters < 2:
        return replace(base, reason=f"{n_clusters} cluster: cluster-robust errors need 2 or more")
    d = data["_treated"].to_numpy(dtype=np.float64)
    t = data["_post"].to_numpy(dtype=np.float64)
    x = np.column_stack([np.ones_like(d), d, t, d * t])
    y = data[outcome].to_numpy(dtype=np.float64)
    beta, vcov = ols_cluster_robust(x, y, pd.factorize(groups)[0])
    effect, se = float(beta[3]), float(np.sqrt(max(vcov[3, 3], 0.0)))
    if not se > 1e-12 * (1 + np.abs(y).max()):  # zero up to rounding
        return replace(base, reason="the outcome does not vary within groups: no standard error")
    half = float(stats.t.ppf(0.975, n_clusters - 1)) * se
    p = float(2 * stats.t.sf(abs(effect / se), n_clusters - 1))
    return replace(base, effect=effect, se=se, ci95=(effect - half, effect + half), p=p)


def ols_cluster_robust(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their CR1 cluster-robust covariance."""
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    scores = x * (y - x @ beta)[:, None]
    n_groups = int(groups.max()) + 1
    by_group = np.zeros((n_groups, k))
    np.add.at(by_group, groups, scores)
    meat = by_group.T @ by_group
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return beta, factor * xtx_inv @ meat @ xtx_inv


def site_kpi_did(
    kpis: pd.DataFrame,
    share_enrolled: pd.Series,
    *,
    threshold: float = 0.2,
    pre_periods: Sequence[str],
    post_periods: Sequence[str],
    higher_is_better: bool = True,
) -> DiffInDiff:
    """Difference-in-differences of one site KPI between high- and low-enrolment sites.

    A site is treated when ``share_enrolled >= threshold``. Each site's KPI is averaged over
    ``pre_periods`` and over ``post_periods`` (collapsing to two periods avoids understated
    errors from serially correlated quarters; Bertrand, Duflo & Mullainathan 2004), then
    :func:`difference_in_differences` is run on site × period rows, clustered by site.
    With ``higher_is_better=False`` the KPI is negated first, so a positive effect is always
    an improvement. Sites without a share or without values in both windows are left out.

    Parameters
    ----------
    kpis
        Long table ``site, period, value`` of a single KPI (a ``kpi`` column, if present,
        must hold one name).
    share_enrolled
        Share (0–1) of each site's staff enrolled in the programme, indexed by site.

    References
    ----------
    Bertrand, Duflo & Mullainathan (2004). How much should we trust differences-in-
    differences estimates? Quarterly Journal of Economics 119, 249–275.

    R: site means per window, then as :func:`difference_in_differences` with
    ``cluster = ~site``.
    """
    for col in ("site", "period", "value"):
        if col not in kpis.columns:
            raise ValueError(f"kpis lacks column {col!r}")
    if "kpi" in kpis.columns and kpis["kpi"].nunique() > 1:
        raise ValueError("kpis holds several KPIs: pass one KPI at a time")
    overlap = set(pre_periods) & set(post_periods)
    if overlap or not pre_periods or not post_periods:
        raise ValueError("pre_periods and post_periods must be non-empty and disjoint")
    window = pd.Series(
        {**{str(p): False for p in pre_periods}, **{str(p): True for p in post_periods}}
    )
    data = kpis.assign(post=kpis["period"].astype(str).map(window)).dropna(subset=["post", "value"])
    data = data.assign(value=data["value"].astype(float) * (1.0 if higher_is_better else -1.0))
    means = data.groupby(["site", "post"], as_index=False)["value"].mean()
    share = share_enrolled.astype(float)
    share.index = share.index.astype(str)
    means["share"] = means["site"].astype(str).map(share)
    means = means.dropna(subset=["share"])
    means["treated"] = means["share"] >= threshold
    means["unit"] = means["site"]
    return difference_in_differences(
        means, outcome="value", treated="treated", post="post", unit="unit", cluster="site"
    )
