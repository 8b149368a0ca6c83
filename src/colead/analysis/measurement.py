"""How well the scales measure in one wave: reliability, agreement and site variability.

This module applies :mod:`psychometrics` and :mod:`agreement` to a wave's forms and
scores; the statistics themselves (and their references) live there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colead.analysis.agreement import icc_aggregation, rwg_by_group
from colead.analysis.psychometrics import cronbach_alpha, mcdonald_omega
from colead.domain import Relation
from colead.framework import Framework

__all__ = [
    "composite_alpha",
    "reliability_by_scale",
    "rwg_by_person",
    "site_agreement",
    "site_behaviour_agreement",
    "site_variability",
]

#: LeBreton & Senter (2008): ICC(2) of .70 or more makes group means reliable enough to
#: compare; ICC(1) of .01 / .10 / .25 is a small / medium / large group effect.
ICC2_RELIABLE = 0.70
ICC2_TENTATIVE = 0.50
RWG_AGREEMENT = 0.70


def _item_block(values: np.ndarray, framework: Framework, scale_id: str) -> pd.DataFrame:
    columns = [i for i, s in enumerate(framework.item_scale) if s == scale_id]
    block = values[:, columns].astype(float)
    block[block < 0] = np.nan
    return pd.DataFrame(block, columns=[framework.item_ids[i] for i in columns])


def reliability_by_scale(
    values: np.ndarray,
    relations: pd.Series,
    framework: Framework,
    scales: Sequence[str],
    *,
    observers_only: bool = True,
) -> pd.DataFrame:
    """Cronbach's alpha (with Feldt 95% CI) and omega total of each scale in one wave.

    Forms are the units: for person scales, observers' forms (self-ratings are a different
    response process); for site scales, every form that answered them.

    Returns
    -------
    DataFrame
        ``scale_id, alpha, ci_low, ci_high, omega, n, k, reason``.
    """
    is_observer = (relations.astype(str) != Relation.self.value).to_numpy()
    rows = []
    for scale_id in scales:
        block = _item_block(values, framework, scale_id)
        if observers_only:
            block = block[is_observer]
        block = block.dropna(how="all")
        alpha = cronbach_alpha(block)
        omega = mcdonald_omega(block)
        reasons = [r for r in (alpha.reason, omega.reason) if r]
        rows.append(
            {
                "scale_id": scale_id,
                "alpha": alpha.alpha,
                "ci_low": alpha.ci95[0],
                "ci_high": alpha.ci95[1],
                "omega": omega.omega,
                "n": alpha.n,
                "k": alpha.k,
                "reason": "; ".join(dict.fromkeys(reasons)) if reasons else None,
            }
        )
    return pd.DataFrame(rows)


def composite_alpha(
    values: np.ndarray, relations: pd.Series, framework: Framework, scales: Sequence[str]
) -> float:
    """Cronbach's alpha of all items of ``scales`` together, on observers' forms.

    Used as the reliability of a composite (e.g. the leadership mean) in the reliable change
    index; a single form's reliability understates that of a mean over several raters, so
    the index errs on the side of calling change unreliable.
    """
    is_observer = (relations.astype(str) != Relation.self.value).to_numpy()
    blocks = [_item_block(values[is_observer], framework, s) for s in scales]
    return cronbach_alpha(pd.concat(blocks, axis=1).dropna(how="all")).alpha


def rwg_by_person(
    values: np.ndarray,
    responses: pd.DataFrame,
    framework: Framework,
    scales: Sequence[str],
    *,
    minimum: int,
) -> pd.DataFrame:
    """rwg(j) of each person's observers on each scale (uniform null).

    Only people with at least ``minimum`` observers on a scale get a value: agreement among
    two raters would describe those two people.

    Returns
    -------
    DataFrame
        ``ratee_id, scale_id, rwg, n, j, reason``.
    """
    is_observer = (responses["relation"].astype(str) != Relation.self.value).to_numpy()
    # Integer codes: grouping on them is several times faster than on id strings.
    codes, ratees = pd.factorize(responses.loc[is_observer, "ratee_id"].astype(str))
    options = len(framework.response_scale.points)
    frames = []
    for scale_id in scales:
        block = _item_block(values[is_observer], framework, scale_id)
        # rwg(j) needs complete rows; a skipped item drops the rater for this scale only.
        block["ratee"] = codes
        table = rwg_by_group(block, group="ratee", items=list(block.columns[:-1]), options=options)
        table["ratee_id"] = np.asarray(ratees, dtype=object)[table["group"].to_numpy(dtype=int)]
        small = table["n"] < minimum
        table.loc[small, "rwg"] = np.nan
        table.loc[small, "reason"] = f"fewer than {minimum} observers answered every item"
        frames.append(table.assign(scale_id=scale_id))
    return pd.concat(frames, ignore_index=True)[["ratee_id", "scale_id", "rwg", "n", "j", "reason"]]


def site_agreement(
    values: np.ndarray,
    respondent_site: pd.Series,
    framework: Framework,
    scales: Sequence[str],
    *,
    minimum: int,
) -> pd.DataFrame:
    """rwg(j) of each site's respondents about their own site (site-rated scales).

    Parameters
    ----------
    values
        Item codes of the forms that rate the site (self forms), one row per respondent.
    respondent_site
        Site of each of those forms, in the same order.

    Returns
    -------
    DataFrame
        ``site, scale_id, rwg, n, j, shown, reason``.
    """
    codes, names = pd.factorize(respondent_site.astype(str).to_numpy())
    return _site_rwg(values, codes, names, framework, scales, minimum, "respondents")


def site_behaviour_agreement(
    values: np.ndarray,
    responses: pd.DataFrame,
    site_of: pd.Series,
    framework: Framework,
    scales: Sequence[str],
    *,
    minimum: int,
) -> pd.DataFrame:
    """rwg(j) of all observers' forms about the people of each site, per person scale.

    Low agreement says behaviour at the site is seen very differently from form to form:
    the paper's "very variable within … sites".

    Returns
    -------
    DataFrame
        ``site, scale_id, rwg, n, j, shown, reason`` (``n``: complete forms).
    """
    is_observer = (responses["relation"].astype(str) != Relation.self.value).to_numpy()
    # Map through the few distinct ratees rather than every form's id string.
    ratee_codes, ratees = pd.factorize(responses.loc[is_observer, "ratee_id"].astype(str))
    site_codes, names = pd.factorize(site_of.reindex(ratees))
    return _site_rwg(
        values[is_observer], site_codes[ratee_codes], names, framework, scales, minimum, "forms"
    )


def _site_rwg(
    values: np.ndarray,
    codes: np.ndarray,
    names: Sequence[object],
    framework: Framework,
    scales: Sequence[str],
    minimum: int,
    unit: str,
) -> pd.DataFrame:
    """rwg(j) per site (``codes`` per row of ``values``; -1: no site) and scale, withheld
    where fewer than ``minimum`` complete rows (``unit``) stand behind it."""
    options = len(framework.response_scale.points)
    labels = np.asarray(names, dtype=object)
    frames = []
    for scale_id in scales:
        block = _item_block(values, framework, scale_id)
        items = list(block.columns)
        block["site_code"] = codes
        table = rwg_by_group(
            block[block["site_code"] >= 0], group="site_code", items=items, options=options
        )
        table["site"] = labels[table["group"].to_numpy(dtype=int)]
        frames.append(table.assign(scale_id=scale_id))
    table = pd.concat(frames, ignore_index=True)
    table["shown"] = table["n"] >= minimum
    table.loc[~table["shown"], "rwg"] = np.nan
    table.loc[~table["shown"], "reason"] = f"fewer than {minimum} {unit}"
    return table[["site", "scale_id", "rwg", "n", "j", "shown", "reason"]]


def site_variability(
    person_means: pd.DataFrame, site_of: pd.Series, scales: Sequence[str]
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of people's observer scores within sites, per scale (Bliese 2000).

    ``verdict`` says in plain words whether site means can be compared: ICC(2) of .70 or
    more ("reliable"), .50 to .70 ("tentative"), below .50 ("not reliable").

    Returns
    -------
    DataFrame
        ``scale_id, icc1, icc2, f, df1, df2, p, sites, n, site_variance,
        site_variance_ci_low, site_variance_ci_high, verdict, reason``.
    """
    rows = []
    for scale_id in scales:
        scores = person_means[scale_id].dropna()
        groups = site_of.reindex(scores.index)
        keep = groups.notna()
        result = icc_aggregation(scores[keep].to_numpy(), groups[keep].astype(str).to_numpy())
        rows.append(
            {
                "scale_id": scale_id,
                "icc1": result.icc1,
                "icc2": result.icc2,
                "f": result.f,
                "df1": result.df1,
                "df2": result.df2,
                "p": result.p,
                "sites": result.groups,
                "n": result.n,
                "site_variance": result.between_variance,
                "site_variance_ci_low": result.between_variance_ci95[0],
                "site_variance_ci_high": result.between_variance_ci95[1],
                "verdict": _verdict(result.icc1, result.icc2),
                "reason": result.reason,
            }
        )
    return pd.DataFrame(rows)


def _verdict(icc1: float, icc2: float) -> str:
    if not np.isfinite(icc2):
        return "cannot tell: too few sites or people"
    share = f"{max(icc1, 0):.0%} of the differences between people lie between sites"
    if icc2 >= ICC2_RELIABLE:
        return f"site means are reliable enough to compare ({share})"
    if icc2 >= ICC2_TENTATIVE:
        return f"compare site means with caution ({share})"
    return f"site means are not reliable enough to compare sites ({share})"
