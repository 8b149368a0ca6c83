"""Benchmark bands and KPI linkage of one wave.

The statistics live in :mod:`benchmark`, :mod:`linkage` and :mod:`mixedmodel`; this module
lines a wave's site and organisation results up with norms and KPIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from colead.analysis.benchmark import Norm, percentile_ranks
from colead.analysis.linkage import shift_period, site_linkage
from colead.analysis.mixedmodel import kpi_mixed_model
from colead.analysis.results import Profile

__all__ = ["group_benchmark", "linkage_points", "wave_linkage"]


def group_benchmark(profile: Profile, norms: Mapping[str, Norm]) -> pd.DataFrame:
    """Percentile and band of each shown group mean against person-level norms.

    The percentile says where a person with the group's average score would stand in the
    norm group; hidden groups are left out.

    Returns
    -------
    DataFrame
        ``group, scale_id, mean, n_people, percentile, band, method, reason``.
    """
    shown = profile.table[profile.table["shown"]]
    wide = shown.pivot(index="group", columns="scale_id", values="mean")
    ranks = percentile_ranks(wide, norms).rename(columns={"id": "group", "score": "mean"})
    counts = shown[["group", "scale_id", "n_people"]]
    return ranks.merge(counts, on=["group", "scale_id"], how="left")[
        ["group", "scale_id", "mean", "n_people", "percentile", "band", "method", "reason"]
    ]


def wave_linkage(
    site_behaviour: pd.Series,
    kpis: pd.DataFrame,
    *,
    wave_period: str | None,
    behaviour: str = "leadership",
    lags: Sequence[int] = (0, 1),
    seed: int = 0,
) -> pd.DataFrame:
    """Site-level correlation of a behaviour with each KPI, in the wave's period and later.

    Lag 0 pairs the behaviour with the KPI in the period the wave ran; lag 1 with the next
    period (behaviour first, results after). A random-intercept model over every period
    from the wave on adds the repeated measures (see :func:`kpi_mixed_model`).

    Returns
    -------
    DataFrame
        One row per KPI and lag: ``kpi, lag, period, n_sites, pearson_r, pearson_ci_low,
        pearson_ci_high, pearson_p, permutation_p, spearman_rho, spearman_ci_low,
        spearman_ci_high, spearman_p, exploratory, note``; and ``lag = "repeated"`` rows with
        the mixed-model slope (``pearson_r`` holds the slope, with its CI and p).
    """
    columns = [
        "kpi",
        "lag",
        "period",
        "n_sites",
        "pearson_r",
        "pearson_ci_low",
        "pearson_ci_high",
        "pearson_p",
        "permutation_p",
        "spearman_rho",
        "spearman_ci_low",
        "spearman_ci_high",
        "spearman_p",
        "exploratory",
        "note",
    ]
    if kpis.empty or wave_period is None:
        return pd.DataFrame(columns=columns)
    rows = []
    behaviour_by_site = site_behaviour.dropna()
    for name, block in kpis.groupby("kpi", sort=True):
        better = bool(block["higher_is_better"].astype(bool).iloc[0])
        for lag in lags:
            try:
                period = shift_period(wave_period, lag)
            except ValueError:
                continue
            values = block[block["period"] == period].set_index("site")["value"]
            if values.empty:
                continue
            link = site_linkage(
                behaviour_by_site,
                values,
                kpi=str(name),
                behaviour=behaviour,
                higher_is_better=better,
                seed=seed,
            )
            rows.append(
                {
                    "kpi": name,
                    "lag": str(lag),
                    "period": period,
                    "n_sites": link.n_sites,
                    "pearson_r": link.pearson.r,
                    "pearson_ci_low": link.pearson.ci95[0],
                    "pearson_ci_high": link.pearson.ci95[1],
                    "pearson_p": link.pearson.p,
                    "permutation_p": link.pearson.p_permutation,
                    "spearman_rho": link.spearman.r,
                    "spearman_ci_low": link.spearman.ci95[0],
                    "spearman_ci_high": link.spearman.ci95[1],
                    "spearman_p": link.spearman.p,
                    "exploratory": link.exploratory,
                    "note": link.note,
                }
            )
        later = block[block["period"] >= wave_period].copy()
        later[behaviour] = later["site"].map(behaviour_by_site)
        later = later.dropna(subset=[behaviour, "value"])
        if later["period"].nunique() > 1:
            fit = kpi_mixed_model(later, kpi="value", behaviour=behaviour, site="site")
            rows.append(
                {
                    "kpi": name,
                    "lag": "repeated",
                    "period": f"{wave_period} on",
                    "n_sites": fit.n_sites,
                    "pearson_r": fit.slope,
                    "pearson_ci_low": fit.ci95[0],
                    "pearson_ci_high": fit.ci95[1],
                    "pearson_p": fit.p,
                    "permutation_p": np.nan,
                    "spearman_rho": np.nan,
                    "spearman_ci_low": np.nan,
                    "spearman_ci_high": np.nan,
                    "spearman_p": np.nan,
                    "exploratory": fit.n_sites < 10,
                    "note": "slope of the KPI per scale point of site leadership, "
                    f"random site intercepts over {fit.n_observations} site-periods"
                    + (f"; {fit.reason}" if fit.reason else ""),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def linkage_points(
    site_behaviour: pd.Series, kpis: pd.DataFrame, *, wave_period: str | None
) -> pd.DataFrame:
    """The site pairs behind the same-period correlations of :func:`wave_linkage`.

    Returns
    -------
    DataFrame
        ``kpi, site, behaviour, value``: each site's behaviour mean (only the sites in
        ``site_behaviour``, which the caller has already limited to those it may show)
        and its KPI value in the wave's period.
    """
    columns = ["kpi", "site", "behaviour", "value"]
    if kpis.empty or wave_period is None:
        return pd.DataFrame(columns=columns)
    behaviour = site_behaviour.dropna()
    same = kpis[(kpis["period"] == wave_period) & kpis["site"].isin(behaviour.index)]
    points = same.assign(behaviour=same["site"].map(behaviour)).dropna(subset=["value"])
    return points[columns].sort_values(["kpi", "site"]).reset_index(drop=True)
