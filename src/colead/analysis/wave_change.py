"""Change since baseline: the published group figures of two waves side by side.

A follow-up review compares each site, each organisation and the whole relationship with the
baseline wave, family by family (leadership, management), practice by practice for the whole
relationship, and on the passion/system position.

**Only published figures.** *Before* is the figure the baseline report shows for the group and
*after* the figure this wave's report shows; both are built from the person scores that each
wave's one disclosure decision publishes (:mod:`colead.analysis.disclosure`). Nothing here
forms a new group of people or of forms:

- a row shows values only when its group is shown at *both* waves: at least the anonymity
  minimum of people and of distinct raters on every practice of the family (the rule of the
  group profiles, :mod:`colead.analysis.profiles`); otherwise before, after and change are
  all withheld;
- the whole relationship is shown only when every organisation is and the organisations hold
  everyone scored, so its figure is a sum of published organisation cells;
- the forms of two waves are different forms. Differencing isolates the forms between two
  published cells only when one cell is nested in the other (Hundepool et al. 2012, ch. 4;
  :func:`~colead.analysis.disclosure.differencing_problems`); cells of two waves share no
  form, so their difference gives back no rater's answers;
- the interval is centred on that difference. Only its width comes from the people's scores
  (their spread, and how each person's two waves go together), computed over the people
  of the same shown groups: no mean of any smaller group is formed or shown.

**Figures.** A group's family figure is the mean of its practice means, as the system and
passion table shows it: ``F = (1/K) Σ_k x̄_k``, with ``x̄_k`` the mean over the group's people
scored on practice ``k`` of their observer score. The change is ``F_after - F_before``.

**95% interval of the change**, one of three kinds, named in the ``method`` column:

- ``paired`` when the same people stand behind every practice mean of the group at both
  waves. Each person's change ``c_i = mean_k x1_ik - mean_k x0_ik`` gives the paired t
  interval (:func:`colead.analysis.evaluation.paired_change`; R
  ``t.test(after, before, paired = TRUE)``); its mean change is exactly ``F_after -
  F_before``.
- ``partly_paired`` when most people are in both waves but not all (someone joined or left,
  or was not scored on a practice at one wave): the partially overlapping samples t
  interval of Derrick, Russ, Toher & White (2017), which uses the pairing of the people
  seen twice and treats the others as independent (R
  ``Partiallyoverlapping::Partover.test(x1, x2, x3, x4, var.equal = FALSE)``)::

      SE² = s0²/n0 + s1²/n1 - 2 r s0 s1 n_c / (n0 n1)
      df  = (n_c - 1) + (γ - n_c + 1) / (n_a + n_b + 2 n_c) · (n_a + n_b)

  with ``s_w``, ``n_w`` the SD and n of everyone scored at wave ``w``, ``r`` the correlation
  over the ``n_c`` people scored at both (0 when either side does not vary), ``n_a``,
  ``n_b`` the people scored at one wave only and ``γ`` the Welch–Satterthwaite df. For a
  family of ``K`` practices the same form runs over all ``2K`` practice means:
  ``Var(F1 - F0) = w' C w`` with weights ``∓1/K`` and ``C_ab = r_ab s_a s_b n_ab /
  (n_a n_b)`` (``r_ab`` over the ``n_ab`` people scored on both, a person's practices and
  waves going together); ``n_c`` is then the people scored on every practice at both waves
  and ``n_w`` the smallest practice n. With one practice this is exactly ``Partover.test``.
- ``welch`` when fewer than two people are seen at both waves: the same with ``r = 0``
  and ``df = γ``, Welch's unequal-variance interval (Welch 1947; R ``t.test(after,
  before)``).

References
----------
Derrick, B., Russ, B., Toher, D. & White, P. (2017). Test statistics for the comparison of
means for two samples that include both paired and independent observations. *Journal of
Modern Applied Statistical Methods* 16(1), 137–157.
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. *Biometrika* 34, 28–35.
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from colead.analysis.evaluation import paired_change
from colead.analysis.profiles import continuum_positions
from colead.analysis.results import ChangeSinceBaseline, Profile

__all__ = [
    "CHANGE_COLUMNS",
    "PAIRED",
    "PARTLY_PAIRED",
    "POSITION_COLUMNS",
    "RELATIONSHIP",
    "WELCH",
    "WaveFigures",
    "wave_change",
]

#: the ``by`` and ``group`` of the row for everyone in the review
RELATIONSHIP = "relationship"
PAIRED = "paired"
PARTLY_PAIRED = "partly_paired"
WELCH = "welch"
#: groupings compared, in report order
GROUPINGS = (RELATIONSHIP, "organisation", "site")

CHANGE_COLUMNS = [
    "by",
    "group",
    "measure",
    "kind",
    "n_before",
    "n_after",
    "before",
    "after",
    "change",
    "ci_low",
    "ci_high",
    "df",
    "method",
    "shown",
    "reason",
]
POSITION_COLUMNS = ["by", "group", "before", "after", "moved", "shown"]
_VALUES = ["before", "after", "change", "ci_low", "ci_high", "df"]


@dataclass(frozen=True)
class WaveFigures:
    """One wave's published group figures and the person scores behind them.

    Attributes
    ----------
    wave
        The wave's name.
    observer_means
        Person × scale observer scores built from published cells only
        (``PersonScores.observer_means``).
    people
        ``person_id, site, organisation`` of everyone in the review.
    site_profile, organisation_profile
        The wave's published profiles (their ``shown`` flags decide what may be compared).
    """

    wave: str
    observer_means: pd.DataFrame
    people: pd.DataFrame
    site_profile: Profile
    organisation_profile: Profile


def wave_change(
    baseline: WaveFigures,
    follow_up: WaveFigures,
    families: Mapping[str, Sequence[str]],
    minimum: int,
    *,
    practices: Sequence[str] = (),
    continuum: tuple[str, str, float] | None = None,
) -> ChangeSinceBaseline:
    """Compare the published figures of two waves, group by group (see the module notes).

    Parameters
    ----------
    baseline, follow_up
        The two waves' published figures.
    families
        Family id -> its practice (scale) ids: the measures compared for every group.
    minimum
        Anonymity minimum of people (and of distinct raters, through the profiles).
    practices
        Practices compared one by one for the whole relationship.
    continuum
        ``(passion family, system family, threshold)`` for the position rows.

    Returns
    -------
    ChangeSinceBaseline
    """
    profiles = [_with_relationship(figures, minimum) for figures in (baseline, follow_up)]
    rows: list[dict[str, object]] = []
    for by in GROUPINGS:
        for group in _groups(profiles[0][by], profiles[1][by]):
            measures = [(family, list(scales), "family") for family, scales in families.items()]
            if by == RELATIONSHIP:
                measures += [(p, [p], "practice") for p in practices]
            for measure, scales, kind in measures:
                rows.append(
                    _compare(baseline, follow_up, profiles, by, group, measure, scales, kind)
                )
    changes = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    positions = pd.DataFrame(columns=POSITION_COLUMNS)
    if continuum is not None:
        passion, system, threshold = continuum
        positions = _positions(profiles, families[passion], families[system], threshold)
    return ChangeSinceBaseline(
        baseline_wave=baseline.wave,
        follow_up_wave=follow_up.wave,
        minimum=minimum,
        changes=changes,
        positions=positions,
        threshold=None if continuum is None else continuum[2],
    )


def _with_relationship(figures: WaveFigures, minimum: int) -> dict[str, Profile]:
    """The wave's site and organisation profiles, plus the whole relationship as one group.

    A relationship cell is shown only when every organisation's cell of that practice is
    shown and the organisations together hold everyone scored on it: then the figure is a
    sum of published organisation cells. Its ``n_raters`` (the organisations' counts added
    up) serves no figure and is never published.
    """
    means = figures.observer_means
    organisations = figures.organisation_profile.table
    rows = []
    for scale in means.columns:
        values = means[scale].dropna()
        cells = organisations[organisations["scale_id"] == scale]
        covered = int(cells["n_people"].sum())
        shown = (
            len(values) >= minimum
            and not cells.empty
            and bool(cells["shown"].astype(bool).all())
            and covered == len(values)
        )
        rows.append(
            {
                "group": RELATIONSHIP,
                "scale_id": str(scale),
                "n_people": len(values),
                "n_raters": int(cells["n_raters"].sum()),
                "mean": float(values.mean()) if shown else np.nan,
                "sd": float(values.std()) if shown else np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "shown": shown,
            }
        )
    table = pd.DataFrame(rows, columns=list(figures.site_profile.table.columns))
    return {
        RELATIONSHIP: Profile(RELATIONSHIP, table, minimum),
        "organisation": figures.organisation_profile,
        "site": figures.site_profile,
    }


def _groups(before: Profile, after: Profile) -> list[str]:
    """Groups of either wave: this wave's order first, then groups only the baseline had."""
    names = [str(g) for g in after.table["group"]] + [str(g) for g in before.table["group"]]
    return list(dict.fromkeys(names))


def _cells(profile: Profile, group: str, scales: list[str]) -> pd.DataFrame | None:
    """The group's cells of ``scales`` when every one is published, else None."""
    table = profile.table
    cells = table[(table["group"].astype(str) == group) & table["scale_id"].isin(scales)]
    published = (
        len(cells) == len(scales)
        and bool(cells["shown"].astype(bool).all())
        and bool((cells["n_people"] >= profile.minimum).all())
        and bool(cells["mean"].notna().all())
    )
    return cells if published else None


def _members(figures: WaveFigures, by: str, group: str, scales: list[str]) -> pd.DataFrame:
    """Person × practice scores of the group's people at one wave."""
    means = figures.observer_means
    if by != RELATIONSHIP:
        people = figures.people
        ids = people.loc[people[by].astype(str) == group, "person_id"].astype(str)
        means = means[means.index.astype(str).isin(set(ids))]
    return means.reindex(columns=scales)


def _compare(
    baseline: WaveFigures,
    follow_up: WaveFigures,
    profiles: list[dict[str, Profile]],
    by: str,
    group: str,
    measure: str,
    scales: list[str],
    kind: str,
) -> dict[str, object]:
    found = [_cells(p[by], group, scales) for p in profiles]
    sizes = [_size(p[by], group, scales) for p in profiles]
    row: dict[str, object] = {
        "by": by,
        "group": group,
        "measure": measure,
        "kind": kind,
        "n_before": sizes[0],
        "n_after": sizes[1],
        **dict.fromkeys(_VALUES, np.nan),
        "method": None,
        "shown": False,
        "reason": None,
    }
    waves = (baseline.wave, follow_up.wave)
    missing = [wave for wave, cells in zip(waves, found, strict=True) if cells is None]
    if missing:
        row["reason"] = f"not shown: too few people or raters in {' and '.join(missing)}"
        return row
    before, after = (float(c["mean"].mean()) for c in found if c is not None)
    x0 = _members(baseline, by, group, scales)
    x1 = _members(follow_up, by, group, scales)
    method, low, high, df, reason = _interval(x0, x1, after - before)
    row.update(
        before=before,
        after=after,
        change=after - before,
        ci_low=low,
        ci_high=high,
        df=df,
        method=method,
        shown=True,
        reason=reason,
    )
    return row


def _size(profile: Profile, group: str, scales: list[str]) -> int:
    table = profile.table
    cells = table[(table["group"].astype(str) == group) & table["scale_id"].isin(scales)]
    return int(cells["n_people"].min()) if len(cells) == len(scales) else 0


def _interval(
    before: pd.DataFrame, after: pd.DataFrame, change: float
) -> tuple[str, float, float, float, str | None]:
    """Method, 95% CI and df of ``change`` from the people behind the two figures."""
    same = _scored_alike(before)
    if same is not None and same == _scored_alike(after):
        people = sorted(same)
        result = paired_change(
            before.loc[people].mean(axis=1).to_numpy(), after.loc[people].mean(axis=1).to_numpy()
        )
        low, high = result.ci95
        return PAIRED, low, high, float(result.df), result.reason
    both = pd.concat([before.add_prefix("0:"), after.add_prefix("1:")], axis=1)
    scored = both.notna().to_numpy(dtype=float)
    counts = scored.sum(axis=0)
    k = before.shape[1]
    if not k or counts.min() < 2:
        return WELCH, np.nan, np.nan, np.nan, "fewer than 2 people scored: no interval"
    # Covariance of two practice means: r_ab s_a s_b n_ab / (n_a n_b), r over the n_ab
    # people scored on both (0 where it cannot be estimated), s over everyone scored.
    together = scored.T @ scored
    sd = both.std().to_numpy(dtype=float)
    r = np.where(together >= 2, np.nan_to_num(both.corr().to_numpy(dtype=float)), 0.0)
    np.fill_diagonal(r, 1.0)
    cov = r * np.outer(sd, sd) * together / np.outer(counts, counts)
    weights = np.r_[np.full(k, -1.0 / k), np.full(k, 1.0 / k)]
    v0 = float(weights[:k] @ cov[:k, :k] @ weights[:k])
    v1 = float(weights[k:] @ cov[k:, k:] @ weights[k:])
    n0, n1 = int(counts[:k].min()), int(counts[k:].min())
    paired = int(np.all(scored > 0, axis=1).sum())
    if paired < 2:  # nobody (or one person) to pair: independent samples
        variance, method = v0 + v1, WELCH
    else:
        variance, method = float(weights @ cov @ weights), PARTLY_PAIRED
    if not (np.isfinite(variance) and variance > 0):
        return method, np.nan, np.nan, np.nan, "the scores do not vary: no interval"
    welch_df = (v0 + v1) ** 2 / (v0**2 / (n0 - 1) + v1**2 / (n1 - 1))
    df = welch_df
    if method == PARTLY_PAIRED:
        unpaired = max(n0 - paired, 0) + max(n1 - paired, 0)
        df = (paired - 1) + (welch_df - paired + 1) / (unpaired + 2 * paired) * unpaired
    half = float(stats.t.ppf(0.975, df)) * float(np.sqrt(variance))
    return method, change - half, change + half, float(df), None


def _scored_alike(scores: pd.DataFrame) -> frozenset[str] | None:
    """The people scored, when every one of them is scored on every practice; else None."""
    scored = scores.notna()
    if not scored.any(axis=1).equals(scored.all(axis=1)):
        return None
    return frozenset(scores.index[scored.all(axis=1)].astype(str))


def _positions(
    profiles: list[dict[str, Profile]],
    passion: Sequence[str],
    system: Sequence[str],
    threshold: float,
) -> pd.DataFrame:
    """Passion/system quadrant of each group at both waves, from the published profiles."""
    rows = []
    for by in GROUPINGS:
        found = [
            continuum_positions(p[by], passion, system, threshold)
            .table.set_index("group")["quadrant"]
            .rename(index=str)
            for p in profiles
        ]
        for group in _groups(profiles[0][by], profiles[1][by]):
            before, after = (q.get(group) for q in found)
            shown = before is not None and after is not None
            rows.append(
                {
                    "by": by,
                    "group": group,
                    "before": before if shown else None,
                    "after": after if shown else None,
                    "moved": shown and before != after,
                    "shown": shown,
                }
            )
    return pd.DataFrame(rows, columns=POSITION_COLUMNS)
