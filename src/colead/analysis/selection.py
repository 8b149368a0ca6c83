"""Who to develop: people and sites ranked by development need, and a cohort's level mix.

The paper's case study trained senior people, yet "a title does not make a leader" and
its conclusions ask to "develop beyond senior roles". This module turns one wave's shown
results into a ranked list of people (and sites) by need, and checks a planned or enrolled
cohort against where the need actually is.

Only figures the engine already shows are used: a person's score on a practice is their
``observers`` row of :class:`~colead.analysis.results.PersonScores` ``table``, which exists
only when no observer group below the anonymity minimum could be recovered from it. A
person without such a row on enough practices is not ranked at all.

Definitions (all per person, over the leadership practices of the framework)
-------------------------------------------------------------------------------
leadership
    Mean of the person's shown observer practice scores, computed only when at least
    ``min_fraction`` (2/3) of the practices are shown, as
    :func:`colead.analysis.individual.family_means`.
below par
    A practice whose observer score falls in the ``low`` band (below the 30th percentile,
    DESIGN.md §5) of the norm for that practice (:func:`colead.analysis.benchmark.band`).
    Without imported norms the norm is built from this wave's own shown observer scores
    (:func:`colead.analysis.benchmark.build_norms`), so "below par" then reads "in the
    lowest 30 % of this wave".
title without leading
    Level in the titled levels (1–2 by default) and leadership below the leading threshold
    (the framework's continuum threshold), as in
    :func:`colead.analysis.individual.title_vs_leading` (after Suderman 2017, as discussed
    in the ICW collaborative leadership paper).
in need
    Leadership below the leading threshold, or below par on more than half of the
    practices scored.

Ranking rule
------------
People are sorted by the key ``(not in_need, -n_below_par, leadership,
not title_without_leading, person_id)``: people in need first, then more practices below
par, then lower leadership, then the title flag, and ties broken by person id, so the
order is fully deterministic. Sites are sorted by ``(-share_in_need, -n_in_need, site)``
among sites with at least ``minimum`` ranked people; smaller sites are listed after them,
unranked and without figures.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.analysis.benchmark import Norm, build_norms, percentiles
from colead.analysis.results import ReviewResults
from colead.domain import LEVEL_LABELS

__all__ = [
    "COHORT_MOSTLY",
    "CohortCheck",
    "LevelMix",
    "PersonNeed",
    "Selection",
    "SiteNeed",
    "check_cohort",
    "rank_need",
    "rank_results",
]

#: Share of a cohort from the top levels at or above which it counts as drawn from them.
COHORT_MOSTLY = 0.8
#: Fewest scored people for a within-wave norm of a practice.
WAVE_NORM_MIN_N = 10
#: percentiles below this are the "low" band (:func:`colead.analysis.benchmark.band`)
LOW_BAND = 30.0


@dataclass(frozen=True)
class PersonNeed:
    """One ranked person. ``lowest`` holds ``(practice id, observer score)`` lowest first."""

    rank: int
    person_id: str
    name: str | None
    level: int | None
    site: str | None
    role_title: str | None
    leadership: float
    n_observers: int
    lowest: tuple[tuple[str, float], ...]
    below_par: tuple[str, ...]
    n_practices: int
    title_without_leading: bool
    in_need: bool

    @property
    def n_below_par(self) -> int:
        return len(self.below_par)


@dataclass(frozen=True)
class SiteNeed:
    """A site's ranked people and how many are in need (figures only when ``shown``)."""

    rank: int | None
    site: str
    n_people: int
    n_in_need: int | None
    share_in_need: float | None
    shown: bool


@dataclass(frozen=True)
class Selection:
    """People and sites ranked by development need for one wave."""

    people: tuple[PersonNeed, ...]
    sites: tuple[SiteNeed, ...]
    practices: tuple[str, ...]
    threshold: float
    titled_levels: tuple[int, ...]
    minimum: int
    #: where "par" comes from: a norm set's source, or this wave's own distribution
    par_source: str
    #: practices without a norm (no below-par judgement on them)
    practices_without_norm: tuple[str, ...]
    #: rated people left out because too few practices could be shown
    n_not_ranked: int

    @property
    def in_need(self) -> tuple[PersonNeed, ...]:
        return tuple(p for p in self.people if p.in_need)


@dataclass(frozen=True)
class LevelMix:
    """Count and share of a cohort, and of the people in need, at one level."""

    level: int
    label: str
    cohort: int
    cohort_share: float
    need: int
    need_share: float


@dataclass(frozen=True)
class CohortCheck:
    """A cohort's level mix against the mix of people in need, with warnings."""

    size: int
    levels: tuple[LevelMix, ...]
    top_levels: tuple[int, ...]
    top_share: float
    warnings: tuple[str, ...]
    #: cohort ids that are not people of the review
    unknown: tuple[str, ...]
    #: ranked cohort members who are not in need
    not_in_need: tuple[str, ...]
    #: cohort members the wave could not rank (too few shown observer scores)
    not_ranked: tuple[str, ...]


def rank_need(
    person_table: pd.DataFrame,
    people: pd.DataFrame,
    practices: Sequence[str],
    *,
    threshold: float,
    minimum: int,
    norms: Mapping[str, Norm] | None = None,
    titled_levels: Sequence[int] = (1, 2),
    min_fraction: float = 2 / 3,
    lowest_count: int = 2,
) -> Selection:
    """Rank people and sites by development need (see the module docstring for the rule).

    Parameters
    ----------
    person_table
        ``PersonScores.table`` (``ratee_id, scale_id, group, n_raters, mean``), already
        folded for anonymity; only ``group == "observers"`` rows are used.
    people
        ``person_id, name, site, level`` and optionally ``role_title``.
    practices
        Leadership practice (scale) ids, in framework order.
    threshold
        Leadership mean at or above which a person counts as leading.
    minimum
        Anonymity minimum; sites with fewer ranked people show no figures.
    norms
        Norm per practice; None builds them from this wave's shown observer scores.
    titled_levels
        Levels that hold a leadership title.
    min_fraction
        Share of practices that must be shown for a person to be ranked.
    lowest_count
        How many lowest practices to report per person.
    """
    practices = tuple(practices)
    shown = person_table[
        (person_table["group"] == OBSERVERS) & person_table["scale_id"].isin(practices)
    ]
    scores = shown.pivot(index="ratee_id", columns="scale_id", values="mean").reindex(
        columns=list(practices)
    )
    raters = shown.pivot(index="ratee_id", columns="scale_id", values="n_raters")
    scores.index = scores.index.astype(str)
    raters.index = raters.index.astype(str)
    if norms is None:
        built, _ = build_norms(scores, min_n=WAVE_NORM_MIN_N)
        norms, par_source = built, "this wave's own observer scores (lowest 30%)"
    else:
        sources = {n.source for n in norms.values() if n.source}
        par_source = "; ".join(sorted(sources)) or "imported norms"
    without_norm = tuple(p for p in practices if p not in norms)
    needed = int(np.ceil(min_fraction * len(practices) - 1e-9))
    info = people.assign(person_id=people["person_id"].astype(str)).set_index("person_id")
    titled = set(titled_levels)

    order = {p: k for k, p in enumerate(practices)}
    values_of = scores.to_numpy(dtype=np.float64)
    raters_of = raters.reindex(index=scores.index, columns=list(practices)).to_numpy(
        dtype=np.float64
    )
    # Below par = in the norm's low band (under the 30th percentile), for every score at once.
    low = np.zeros(values_of.shape, dtype=bool)
    for j, practice in enumerate(practices):
        if practice in norms:
            with np.errstate(invalid="ignore"):
                low[:, j] = percentiles(values_of[:, j], norms[practice]) < LOW_BAND
    columns = {c: info[c].to_dict() for c in ("name", "site", "role_title", "level") if c in info}
    rows: list[tuple[tuple[object, ...], dict[str, object]]] = []
    for i, person_id in enumerate(scores.index):
        shown_at = [j for j in range(len(practices)) if not np.isnan(values_of[i, j])]
        if len(shown_at) < max(needed, 1) or person_id not in info.index:
            continue
        present = [(practices[j], float(values_of[i, j])) for j in shown_at]
        leadership = float(np.mean([v for _, v in present]))
        below = tuple(practices[j] for j in shown_at if low[i, j])
        level = _level(columns["level"][person_id])
        title_flag = level in titled and leadership < threshold
        in_need = leadership < threshold or len(below) * 2 > len(present)
        lowest = sorted(present, key=lambda pv: (pv[1], order[pv[0]]))[:lowest_count]
        record = {
            "person_id": person_id,
            "name": _text(columns["name"][person_id]) if "name" in columns else None,
            "level": level,
            "site": _text(columns["site"][person_id]),
            "role_title": (
                _text(columns["role_title"][person_id]) if "role_title" in columns else None
            ),
            "leadership": leadership,
            "n_observers": int(np.nanmin(raters_of[i, shown_at])),
            "lowest": tuple(lowest),
            "below_par": below,
            "n_practices": len(present),
            "title_without_leading": title_flag,
            "in_need": in_need,
        }
        key = (not in_need, -len(below), leadership, not title_flag, person_id)
        rows.append((key, record))
    rows.sort(key=lambda kr: kr[0])
    # Everyone with any shown figure was rated; those without enough practices are counted.
    n_not_ranked = person_table["ratee_id"].astype(str).nunique() - len(rows)
    ranked = tuple(PersonNeed(rank=k + 1, **r) for k, (_, r) in enumerate(rows))  # type: ignore[arg-type]
    return Selection(
        people=ranked,
        sites=_rank_sites(ranked, minimum),
        practices=practices,
        threshold=threshold,
        titled_levels=tuple(titled_levels),
        minimum=minimum,
        par_source=par_source,
        practices_without_norm=without_norm,
        n_not_ranked=n_not_ranked,
    )


def rank_results(
    results: ReviewResults,
    people: pd.DataFrame,
    *,
    norms: Mapping[str, Norm] | None = None,
    lowest_count: int = 2,
) -> Selection:
    """:func:`rank_need` on an analysed wave, with its own threshold, levels and minimum.

    The practices are the "passion" family of the continuum (leadership by default); the
    threshold and titled levels are those of the wave's "title vs leading" view, else the
    midpoint of the response scale and levels 1–2.
    """
    family = results.continuum.passion_family if results.continuum else "leadership"
    practices = [s.id for s in results.scales_of(family)]
    tvl = results.title_vs_leading
    threshold = tvl.threshold if tvl else (results.scale_min + results.scale_max) / 2
    return rank_need(
        complete_observer_rows(results),
        people,
        practices,
        threshold=threshold,
        minimum=results.anonymity_minimum,
        norms=norms,
        titled_levels=tvl.titled_levels if tvl else (1, 2),
        min_fraction=results.min_answered_fraction,
        lowest_count=lowest_count,
    )


def complete_observer_rows(results: ReviewResults) -> pd.DataFrame:
    """The person table without the all-observers figures that leave out withheld raters.

    Such a figure is safe to publish (it holds published scores only) but it is partial
    evidence: ranking people for development on it would rank them on whoever happened to be
    shown. A person is ranked only on practices all of whose observers are counted.
    """
    table = results.person_scores.table
    counts = results.person_scores.observer_counts
    observers = table["group"] == OBSERVERS
    every = counts.stack()
    every.index = every.index.set_names(["ratee_id", "scale_id"])
    expected = pd.MultiIndex.from_frame(table.loc[observers, ["ratee_id", "scale_id"]].astype(str))
    lookup = every.copy()
    lookup.index = pd.MultiIndex.from_arrays(
        [lookup.index.get_level_values(0).astype(str), lookup.index.get_level_values(1)]
    )
    complete = table.loc[observers, "n_raters"].to_numpy() == lookup.reindex(expected).to_numpy()
    keep = np.ones(len(table), dtype=bool)
    keep[np.flatnonzero(observers.to_numpy())[~complete]] = False
    return table.loc[keep]


def _rank_sites(people: Sequence[PersonNeed], minimum: int) -> tuple[SiteNeed, ...]:
    tally: dict[str, list[int]] = {}
    for p in people:
        counts = tally.setdefault(p.site or "", [0, 0])
        counts[0] += 1
        counts[1] += int(p.in_need)
    shown = sorted(
        ((site, n, k) for site, (n, k) in tally.items() if n >= minimum),
        key=lambda s: (-s[2] / s[1], -s[2], s[0]),
    )
    hidden = sorted((site, n) for site, (n, _) in tally.items() if n < minimum)
    return tuple(
        SiteNeed(rank=r + 1, site=s, n_people=n, n_in_need=k, share_in_need=k / n, shown=True)
        for r, (s, n, k) in enumerate(shown)
    ) + tuple(
        SiteNeed(rank=None, site=s, n_people=n, n_in_need=None, share_in_need=None, shown=False)
        for s, n in hidden
    )


def check_cohort(
    cohort: Collection[str],
    people: pd.DataFrame,
    selection: Selection,
    *,
    top_levels: Sequence[int] = (1, 2),
    mostly: float = COHORT_MOSTLY,
) -> CohortCheck:
    """Compare a cohort's level mix with the level mix of the people in need.

    The warning ("develop beyond senior roles") fires when at least ``mostly`` (80 %) of
    the known cohort members are at ``top_levels`` while someone in need is at another
    level. Shares are of the known cohort and of everyone in need respectively.

    Parameters
    ----------
    cohort
        Person ids of a planned or enrolled cohort (duplicates count once).
    people
        ``person_id, level`` of every person of the review.
    selection
        The ranking from :func:`rank_need` for the same review.
    """
    ids = list(dict.fromkeys(str(p) for p in cohort))
    level_of = {
        str(pid): _level(lvl) for pid, lvl in zip(people["person_id"], people["level"], strict=True)
    }
    unknown = tuple(p for p in ids if p not in level_of)
    known = [p for p in ids if p in level_of]
    need_levels = [p.level for p in selection.in_need]
    cohort_levels = [level_of[p] for p in known]
    levels = tuple(
        LevelMix(
            level=lvl,
            label=LEVEL_LABELS[lvl],
            cohort=cohort_levels.count(lvl),
            cohort_share=_share(cohort_levels.count(lvl), len(known)),
            need=need_levels.count(lvl),
            need_share=_share(need_levels.count(lvl), len(need_levels)),
        )
        for lvl in sorted(LEVEL_LABELS)
    )
    top = set(top_levels)
    n_top = sum(1 for lvl in cohort_levels if lvl in top)
    top_share = _share(n_top, len(known))
    need_below = sum(1 for lvl in need_levels if lvl not in top)
    warnings = []
    if known and top_share >= mostly - 1e-12 and need_below:
        shown_levels = "–".join(str(x) for x in (min(top), max(top)))
        warnings.append(
            f"{n_top} of {len(known)} cohort members ({top_share:.0%}) are at levels "
            f"{shown_levels}, while {need_below} of the {len(need_levels)} people in need are "
            "at other levels: develop beyond senior roles."
        )
    if not known:
        warnings.append("The cohort holds no person of this review.")
    by_id = {p.person_id: p for p in selection.people}
    return CohortCheck(
        size=len(known),
        levels=levels,
        top_levels=tuple(top_levels),
        top_share=top_share,
        warnings=tuple(warnings),
        unknown=unknown,
        not_in_need=tuple(p for p in known if p in by_id and not by_id[p].in_need),
        not_ranked=tuple(p for p in known if p not in by_id),
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _level(value: object) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return int(value)
    return int(str(value))


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
