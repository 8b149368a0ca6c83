"""Focus practices of a personal development plan: what each person works on first.

Pure: a folded ``PersonScores.table`` in, one frozen :class:`Focus` tuple per person out.
Only groups the engine shows are used, because the table is already folded for anonymity:
a person whose observers are too few to be shown has no observer rows and gets no focus.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from colead.analysis.anonymity import OBSERVERS
from colead.analysis.individual import BLIND_SPOT, self_other_gaps

__all__ = ["BLIND", "LOWEST", "LOWEST_PRACTICES", "Focus", "focus_practices"]

#: Practices a plan takes from the bottom of the observers' ranking.
LOWEST_PRACTICES = 3
LOWEST = "lowest"
BLIND = "blind_spot"


@dataclass(frozen=True)
class Focus:
    """One practice a person's plan works on, and why.

    ``reasons`` holds ``lowest`` (among the lowest observer means) and/or ``blind_spot``
    (self at least the margin above all observers).
    """

    scale_id: str
    observers: float
    n_observers: int
    self_score: float | None
    reasons: tuple[str, ...]


def focus_practices(
    person_table: pd.DataFrame,
    scales: Sequence[str],
    *,
    lowest: int = LOWEST_PRACTICES,
    margin: float = 0.5,
) -> dict[str, tuple[Focus, ...]]:
    """Each person's focus practices: the ``lowest`` lowest all-observer means, then every
    blind spot not already among them.

    Lowest: practices ranked by the all-observer mean
    :math:`\\bar x_{o,s} = \\frac{1}{n_o}\\sum_r x_{r,s}` (as scored by the engine), ties in
    ``scales`` order. Blind spot: :math:`x_{self,s} - \\bar x_{o,s} \\ge` ``margin``, the rule
    of :func:`colead.analysis.individual.self_other_gaps` (Fleenor, Smither, Atwater, Braddy
    & Sturm 2010, The Leadership Quarterly 21(6)). Blind spots follow in ``scales`` order.

    Parameters
    ----------
    person_table
        ``PersonScores.table`` (``ratee_id, scale_id, group, n_raters, mean, sd``), already
        folded for anonymity.
    scales
        The practices to choose from, in framework order (e.g. the leadership family).
    lowest
        How many lowest practices to take.
    margin
        Smallest self-above-observers difference that counts as a blind spot.

    Returns
    -------
    dict
        Person id -> focus practices; only people with at least one shown observer mean.
    """
    if lowest < 0:
        raise ValueError("lowest must not be negative")
    order = {s: k for k, s in enumerate(scales)}
    mine = person_table[person_table["scale_id"].astype(str).isin(order)]
    observed = mine[mine["group"] == OBSERVERS]
    selves = mine[mine["group"] == "self"]
    own = {
        (str(r["ratee_id"]), str(r["scale_id"])): float(r["mean"])
        for r in selves.to_dict("records")
    }
    blind: dict[str, set[str]] = {}
    if not observed.empty and not selves.empty:
        gaps = self_other_gaps(mine, margin=margin).table
        for rec in gaps[gaps["kind"] == BLIND_SPOT].to_dict("records"):
            blind.setdefault(str(rec["ratee_id"]), set()).add(str(rec["scale_id"]))
    found: dict[str, tuple[Focus, ...]] = {}
    for person, rows in observed.groupby(observed["ratee_id"].astype(str), sort=True):
        scored = [
            (float(r["mean"]), order[str(r["scale_id"])], str(r["scale_id"]), int(r["n_raters"]))
            for r in rows.to_dict("records")
            if math.isfinite(float(r["mean"]))
        ]
        if not scored:
            continue
        scored.sort(key=lambda t: (t[0], t[1]))
        chosen = {s for _, _, s, _ in scored[:lowest]}
        spots = blind.get(str(person), set())
        picks = scored[:lowest] + sorted(
            (t for t in scored if t[2] in spots and t[2] not in chosen), key=lambda t: t[1]
        )
        found[str(person)] = tuple(
            Focus(
                scale_id=sid,
                observers=mean,
                n_observers=n,
                self_score=own.get((str(person), sid)),
                reasons=tuple(
                    r for r, on in ((LOWEST, sid in chosen), (BLIND, sid in spots)) if on
                ),
            )
            for mean, _, sid, n in picks
        )
    return found
