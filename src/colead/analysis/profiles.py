"""Group profiles (site, organisation, level), participation and the passion/system view.

A group's score on a scale is the mean, over the people in the group, of each person's
observer score (mean of their non-self raters). Groups with fewer than the anonymity
minimum of scored people or of distinct observers are kept in the table with
``shown = False`` and no values, so a reader sees that they exist but not what they said.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import t as stats_t

from colead.analysis.results import ContinuumPosition, Participation, Profile
from colead.domain import Relation

__all__ = [
    "competence_profile",
    "continuum_positions",
    "group_profile",
    "participation",
    "relation_profile",
    "site_systems_profile",
]

_PROFILE_COLUMNS = [
    "group",
    "scale_id",
    "n_people",
    "n_raters",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "shown",
]


def group_profile(
    person_means: pd.DataFrame,
    people: pd.DataFrame,
    raters_of: pd.DataFrame,
    by: str,
    minimum: int,
) -> Profile:
    """Mean of person scores per group and scale.

    Parameters
    ----------
    person_means
        Person × scale scores (index: person id).
    people
        People table with ``person_id`` and the grouping column ``by``.
    raters_of
        ``ratee_id, rater_id`` pairs behind ``person_means`` (to count distinct raters).
    by
        Column of ``people`` to group on (``site``, ``organisation``, ``level``).
    minimum
        Anonymity minimum for people and for distinct raters.
    """
    group_of = people.set_index(people["person_id"].astype(str))[by]
    stats = _group_stats(person_means, group_of)
    pairs = raters_of.assign(group=raters_of["ratee_id"].astype(str).map(group_of))
    distinct = pairs.groupby("group")["rater_id"].nunique()
    # a map, not a merge: with no rater yet the empty counts have no dtype to agree on
    stats["n_raters"] = stats["group"].map(distinct).fillna(0).astype(int)
    return _finish(stats, by, minimum)


def site_systems_profile(
    site_scores: pd.DataFrame, respondent_site: pd.Series, minimum: int
) -> Profile:
    """Systems & structures by site: each respondent's own-site ratings, averaged by site.

    Parameters
    ----------
    site_scores
        Respondent × systems-scale scores (index: respondent id).
    respondent_site
        Site of each respondent (index: respondent id).
    minimum
        Anonymity minimum of respondents per site.
    """
    stats = _group_stats(site_scores, respondent_site)
    stats["n_raters"] = stats["n_people"]
    return _finish(stats, "site", minimum)


def _group_stats(scores: pd.DataFrame, group_of: pd.Series) -> pd.DataFrame:
    """Count, mean and sd of person × scale scores per (group, scale)."""
    long = scores.rename_axis("person_id").reset_index()
    long["group"] = long["person_id"].astype(str).map(group_of)
    long = long.melt(id_vars=["person_id", "group"], var_name="scale_id", value_name="score")
    return (
        long.dropna(subset=["score", "group"])
        .groupby(["group", "scale_id"])["score"]
        .agg(n_people="count", mean="mean", sd="std")
        .reset_index()
    )


def relation_profile(responses: pd.DataFrame, form_scores: pd.DataFrame, minimum: int) -> Profile:
    """Mean form score per rater relation across the whole review (forms are the units).

    Parameters
    ----------
    responses
        ``rater_id, relation`` per form, aligned with ``form_scores`` rows.
    form_scores
        Form × scale scores.
    minimum
        Anonymity minimum of distinct raters per relation (self and manager included:
        pooled over the review they are a group like any other).
    """
    relation_codes, relations = pd.factorize(responses["relation"].astype(str))
    rater_codes, raters = pd.factorize(responses["rater_id"].astype(str))
    n_rel = len(relations)
    rows = []
    for scale_id in form_scores.columns:
        x = form_scores[scale_id].to_numpy(dtype=float)
        valid = ~np.isnan(x)
        rel, values = relation_codes[valid], x[valid]
        n = np.bincount(rel, minlength=n_rel)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(rel, weights=values, minlength=n_rel) / n
            squares = np.bincount(rel, weights=(values - mean[rel]) ** 2, minlength=n_rel)
            sd = np.sqrt(np.where(n > 1, squares / (n - 1), np.nan))
        pairs = np.unique(rel * len(raters) + rater_codes[valid])
        distinct = np.bincount(pairs // len(raters), minlength=n_rel)
        for k in np.flatnonzero(n):
            rows.append(
                {
                    "group": relations[k],
                    "scale_id": scale_id,
                    "n_people": int(n[k]),
                    "mean": mean[k],
                    "sd": sd[k],
                    "n_raters": int(distinct[k]),
                }
            )
    stats = pd.DataFrame(rows, columns=["group", "scale_id", "n_people", "mean", "sd", "n_raters"])
    return _finish(stats, "relation", minimum)


def competence_profile(profile: Profile, competences: dict[str, list[str]]) -> Profile:
    """Derived competence scores: the mean of the practice means each competence maps to.

    A competence is shown for a group only when every practice it maps to is shown;
    its n is the smallest n of those practices.
    """
    table = profile.table
    mean = table.pivot(index="group", columns="scale_id", values="mean")
    shown = table.pivot(index="group", columns="scale_id", values="shown")
    people = table.pivot(index="group", columns="scale_id", values="n_people")
    raters = table.pivot(index="group", columns="scale_id", values="n_raters")
    frames = []
    for competence, practices in competences.items():
        present = [p for p in practices if p in mean.columns]
        complete = len(present) == len(practices)
        ok = shown[present].fillna(False).astype(bool).all(axis=1) & complete
        frames.append(
            pd.DataFrame(
                {
                    "group": mean.index,
                    "scale_id": competence,
                    "n_people": people[present].min(axis=1).fillna(0).astype(int).to_numpy(),
                    "n_raters": raters[present].min(axis=1).fillna(0).astype(int).to_numpy(),
                    "mean": mean[present].mean(axis=1).where(ok).to_numpy(),
                    "sd": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "shown": ok.to_numpy(),
                }
            )
        )
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Profile(
        by=profile.by, table=combined.reindex(columns=_PROFILE_COLUMNS), minimum=profile.minimum
    )


def _finish(stats: pd.DataFrame, by: str, minimum: int) -> Profile:
    stats = stats.copy()
    stats["shown"] = (stats["n_people"] >= minimum) & (stats["n_raters"] >= minimum)
    # 95% CI of a group mean: mean ± t(0.975, n−1) · sd / √n (people are the units).
    n = stats["n_people"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats_t.ppf(0.975, n - 1) * stats["sd"].to_numpy(dtype=float) / np.sqrt(n)
    stats["ci_low"] = stats["mean"] - half
    stats["ci_high"] = stats["mean"] + half
    stats.loc[~stats["shown"], ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    stats["n_people"] = stats["n_people"].astype(int)
    return Profile(by=by, table=stats[_PROFILE_COLUMNS].reset_index(drop=True), minimum=minimum)


def continuum_positions(
    profile: Profile,
    passion_scales: Sequence[str],
    system_scales: Sequence[str],
    threshold: float,
    passion_family: str = "leadership",
    system_family: str = "management",
) -> ContinuumPosition:
    """Place each shown group on the passion (leadership) and system (management) axes.

    An axis value is the mean of the group's scale means in that family; it is only
    computed when every scale of the family is shown for the group.
    """
    wide = profile.wide("mean")
    people = profile.wide("n_people")
    rows = []
    for group in wide.index:
        passion = _family_mean(wide, group, passion_scales)
        system = _family_mean(wide, group, system_scales)
        if np.isnan(passion) or np.isnan(system):
            continue
        rows.append(
            {
                "group": group,
                "passion": passion,
                "system": system,
                "n_people": int(people.loc[group].min()),
                "quadrant": _quadrant(passion, system, threshold),
            }
        )
    table = pd.DataFrame(rows, columns=["group", "passion", "system", "n_people", "quadrant"])
    return ContinuumPosition(
        table=table,
        threshold=threshold,
        passion_family=passion_family,
        system_family=system_family,
    )


def _family_mean(wide: pd.DataFrame, group: object, scales: Sequence[str]) -> float:
    columns = [s for s in scales if s in wide.columns]
    if len(columns) != len(scales):
        return float("nan")
    values = wide.loc[group, columns].to_numpy(dtype=float)
    return float("nan") if np.isnan(values).any() else float(values.mean())


def _quadrant(passion: float, system: float, threshold: float) -> str:
    has_passion, has_system = passion >= threshold, system >= threshold
    if has_passion and has_system:
        return "both"
    if has_passion:
        return "passion_without_system"
    if has_system:
        return "system_without_passion"
    return "neither"


def participation(assignments: pd.DataFrame, people: pd.DataFrame) -> Participation:
    """Invited and completed forms by the rater's organisation and site, and by relation."""
    raters = people.set_index(people["person_id"].astype(str))
    frame = assignments.assign(
        organisation=assignments["rater_id"].astype(str).map(raters["organisation"]),
        site=assignments["rater_id"].astype(str).map(raters["site"]),
        relation=assignments["relation"].astype(str),
        completed=assignments["completed"].astype(bool),
    )

    def tally(column: str, order: Sequence[str] | None = None) -> pd.DataFrame:
        table = (
            frame.groupby(column)["completed"]
            .agg(invited="size", completed="sum")
            .reset_index()
            .rename(columns={column: "group"})
        )
        if order is not None:
            rank = {name: k for k, name in enumerate(order)}
            table = table.sort_values("group", key=lambda s: s.map(rank)).reset_index(drop=True)
        table["completed"] = table["completed"].astype(int)
        table["rate"] = table["completed"] / table["invited"]
        return table

    return Participation(
        by_organisation=tally("organisation"),
        by_site=tally("site"),
        by_relation=tally("relation", [r.value for r in Relation]),
        invited=len(frame),
        completed=int(frame["completed"].sum()),
    )
