"""Person-level views that leave the engine only as counts or as a person's own results.

Self-other gaps compare a person's self-rating with the mean of their observers (only
where the observer mean may be shown, see :mod:`colead.analysis.anonymity`). "Title vs
leading" contrasts level (a role title, a noun) with observed leadership (a behaviour, a
verb), after Suderman (2017) as discussed in the ICW collaborative leadership paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.domain import LEVEL_LABELS, QUADRANTS

__all__ = [
    "PersonQuadrants",
    "SelfOtherGaps",
    "TitleVsLeading",
    "family_means",
    "person_quadrants",
    "self_other_gaps",
    "title_vs_leading",
]

BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
ALIGNED = "aligned"


@dataclass(frozen=True)
class SelfOtherGaps:
    """Self minus observers per person and scale.

    ``table``: ``ratee_id, scale_id, self, observers, n_observers, gap, kind`` where kind is
    ``blind_spot`` (self above observers by at least ``margin``), ``hidden_strength``
    (self below by at least ``margin``) or ``aligned``. ``counts``: per scale, how many
    people fall in each kind, with ``n_people``.
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    margin: float


def self_other_gaps(person_table: pd.DataFrame, margin: float = 0.5) -> SelfOtherGaps:
    """Blind spots and hidden strengths.

    gap = self − observers; blind spot when gap ≥ margin, hidden strength when
    gap ≤ −margin (Fleenor, Smither, Atwater, Braddy & Sturm 2010, "Self–other rating
    agreement in leadership: a review", The Leadership Quarterly 21(6)).

    Parameters
    ----------
    person_table
        ``PersonScores.table`` (already folded for anonymity).
    margin
        Smallest difference, in scale points, that counts as a gap.
    """
    if margin <= 0:
        raise ValueError("margin must be positive")
    keys = ["ratee_id", "scale_id"]
    own = person_table[person_table["group"] == "self"][[*keys, "mean"]]
    others = person_table[person_table["group"] == OBSERVERS][[*keys, "mean", "n_raters"]]
    table = own.rename(columns={"mean": "self"}).merge(
        others.rename(columns={"mean": "observers", "n_raters": "n_observers"}), on=keys
    )
    table["gap"] = table["self"] - table["observers"]
    table["kind"] = np.select(
        [table["gap"] >= margin - 1e-12, table["gap"] <= -margin + 1e-12],
        [BLIND_SPOT, HIDDEN_STRENGTH],
        default=ALIGNED,
    )
    counts = (
        table.groupby("scale_id", sort=False)["kind"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=[BLIND_SPOT, HIDDEN_STRENGTH, ALIGNED], fill_value=0)
        .reset_index()
    )
    counts["n_people"] = counts[[BLIND_SPOT, HIDDEN_STRENGTH, ALIGNED]].sum(axis=1)
    return SelfOtherGaps(table=table.reset_index(drop=True), counts=counts, margin=margin)


def family_means(
    person_means: pd.DataFrame, scales: Sequence[str], min_fraction: float = 2 / 3
) -> pd.Series:
    """Each person's mean over a family's scales; NaN when too few scales are scored."""
    block = person_means.reindex(columns=list(scales))
    enough = block.notna().sum(axis=1) >= np.ceil(min_fraction * len(scales) - 1e-9)
    return block.mean(axis=1).where(enough)


@dataclass(frozen=True)
class TitleVsLeading:
    """Leadership by level, and people whose title and behaviour disagree.

    ``by_level``: ``level, label, n_people, n_leading, share_leading, shown``; levels with
    fewer than the anonymity minimum of scored people have ``shown = False`` and no counts.
    ``leading_without_title``: people at ``untitled_levels`` whose observed leadership is at
    or above ``threshold``; ``title_without_leading``: people at ``titled_levels`` below it.
    Both count only people in shown levels.
    """

    by_level: pd.DataFrame
    leading_without_title: int
    title_without_leading: int
    n_untitled: int
    n_titled: int
    threshold: float
    titled_levels: tuple[int, ...]
    untitled_levels: tuple[int, ...]


def title_vs_leading(
    leadership: pd.Series,
    level: pd.Series,
    *,
    threshold: float,
    minimum: int,
    titled_levels: Sequence[int] = (1, 2),
    untitled_levels: Sequence[int] = (4, 5),
) -> TitleVsLeading:
    """Leading (a behaviour) against level (a title).

    Parameters
    ----------
    leadership
        Observer leadership mean per person (index: person id).
    level
        Level 1–5 per person (index: person id).
    threshold
        Leadership mean at or above which a person counts as leading (the framework's
        continuum threshold by default).
    minimum
        Anonymity minimum: levels with fewer scored people are not reported.
    """
    frame = pd.DataFrame({"leadership": leadership, "level": level.reindex(leadership.index)})
    frame = frame.dropna()
    frame["level"] = frame["level"].astype(int)
    frame["leading"] = frame["leadership"] >= threshold
    rows = []
    for lvl in sorted(LEVEL_LABELS):
        group = frame[frame["level"] == lvl]
        shown = len(group) >= minimum
        rows.append(
            {
                "level": lvl,
                "label": LEVEL_LABELS[lvl],
                "n_people": len(group),
                "n_leading": int(group["leading"].sum()) if shown else None,
                "share_leading": float(group["leading"].mean()) if shown else float("nan"),
                "shown": shown,
            }
        )
    by_level = pd.DataFrame(rows)
    shown_levels = set(by_level.loc[by_level["shown"], "level"])
    untitled = frame[frame["level"].isin(set(untitled_levels) & shown_levels)]
    titled = frame[frame["level"].isin(set(titled_levels) & shown_levels)]
    return TitleVsLeading(
        by_level=by_level,
        leading_without_title=int(untitled["leading"].sum()),
        title_without_leading=int((~titled["leading"]).sum()),
        n_untitled=len(untitled),
        n_titled=len(titled),
        threshold=threshold,
        titled_levels=tuple(titled_levels),
        untitled_levels=tuple(untitled_levels),
    )


@dataclass(frozen=True)
class PersonQuadrants:
    """How many people stand in each passion/system quadrant, per group.

    ``table``: ``group, quadrant, n_people`` plus a ``shown`` flag per group (groups
    below the anonymity minimum are listed without counts).
    """

    table: pd.DataFrame
    threshold: float


def person_quadrants(
    passion: pd.Series, system: pd.Series, groups: pd.Series, *, threshold: float, minimum: int
) -> PersonQuadrants:
    """Count people per quadrant within each group (site, organisation ...)."""
    frame = pd.DataFrame({"passion": passion, "system": system})
    frame["group"] = groups.reindex(frame.index)
    frame = frame.dropna()
    has_passion = frame["passion"] >= threshold
    has_system = frame["system"] >= threshold
    frame["quadrant"] = np.select(
        [has_passion & has_system, has_passion, has_system],
        ["both", "passion_without_system", "system_without_passion"],
        default="neither",
    )
    rows = []
    for group, members in frame.groupby("group", sort=True):
        shown = len(members) >= minimum
        counts = members["quadrant"].value_counts()
        for quadrant in QUADRANTS:
            rows.append(
                {
                    "group": group,
                    "quadrant": quadrant,
                    "n_people": int(counts.get(quadrant, 0)) if shown else None,
                    "group_size": len(members),
                    "shown": shown,
                }
            )
    table = pd.DataFrame(rows, columns=["group", "quadrant", "n_people", "group_size", "shown"])
    return PersonQuadrants(table=table, threshold=threshold)
