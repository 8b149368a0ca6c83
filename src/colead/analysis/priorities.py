"""Where one person's development could start: their practices in order of priority.

Pure: the person's shown all-observer means, their self-other gaps and the norms in, an
ordered :class:`Priorities` out, each practice with the evidence that placed it.

With norms, practices are ranked in four tiers, lowest percentile first within each:

1. below par (under the 30th percentile of the norm group) *and* a blind spot (the person
   rates themselves at least the gap margin above their observers),
2. below par,
3. a blind spot,
4. the rest; practices without a norm come after the normed ones of their tier.

Below par is where others see the behaviour less often than in most comparable people; a
blind spot is where the person does not see that yet (Fleenor, Smither, Atwater, Braddy &
Sturm 2010, "Self–other rating agreement in leadership: a review", The Leadership Quarterly
21(6)), so the two together come first. Without norms the ranking falls back to the raw
all-observer means, lowest first; without any shown observer mean, to the person's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from colead.analysis.benchmark import Norm, percentile_rank

__all__ = [
    "BY_NORMS",
    "BY_OBSERVERS",
    "BY_SELF",
    "Priorities",
    "Priority",
    "development_priorities",
]

BY_NORMS, BY_OBSERVERS, BY_SELF = "norms", "observers", "self"
#: a percentile below this is "below par" (the benchmark's low band, DESIGN §5)
BELOW_PAR = 30.0


@dataclass(frozen=True)
class Priority:
    """One practice and the evidence behind its place.

    ``score`` and ``n`` are the all-observer mean and its raters (the person's own rating
    and 1 when ranked by self); ``percentile`` is None without a norm; ``gap`` is self minus
    observers (None without both); ``tier`` 1–4 as in the module docstring (0 when ranked
    without norms).
    """

    scale_id: str
    score: float
    n: int
    percentile: float | None
    self_score: float | None
    gap: float | None
    blind_spot: bool
    tier: int

    @property
    def below_par(self) -> bool:
        return self.percentile is not None and self.percentile < BELOW_PAR


@dataclass(frozen=True)
class Priorities:
    """Practices in order of priority; ``basis`` is ``norms``, ``observers`` or ``self``."""

    basis: str
    ranked: tuple[Priority, ...]

    def first(self, count: int) -> tuple[Priority, ...]:
        return self.ranked[:count]


def development_priorities(
    scales: Sequence[str],
    observers: Mapping[str, tuple[float, int]],
    own: Mapping[str, float],
    gaps: Mapping[str, tuple[float, bool]],
    norms: Mapping[str, Norm] | None = None,
) -> Priorities:
    """Rank a person's practices for development.

    Parameters
    ----------
    scales
        The practices, in framework order (ties keep it).
    observers
        Practice -> (all-observer mean, n raters), only where the report shows it.
    own
        Practice -> the person's own score.
    gaps
        Practice -> (self minus observers, whether it is a blind spot), as
        :func:`colead.analysis.individual.self_other_gaps` decided.
    norms
        Norm per practice; the ranking uses percentiles (:func:`percentile_rank`) when at
        least one shown practice has a norm.

    Returns
    -------
    Priorities
    """
    order = {s: k for k, s in enumerate(scales)}
    shown = [s for s in scales if s in observers and math.isfinite(observers[s][0])]
    if not shown:
        mine = [s for s in scales if s in own and math.isfinite(own[s])]
        ranked = sorted(mine, key=lambda s: (round(own[s], 9), order[s]))
        items = tuple(Priority(s, own[s], 1, None, own[s], None, False, 0) for s in ranked)
        return Priorities(BY_SELF, items)
    percentile: dict[str, float] = {}
    for s in shown:
        norm = (norms or {}).get(s)
        if norm is not None:
            found = percentile_rank(observers[s][0], norm).percentile
            if math.isfinite(found):
                percentile[s] = found
    found_items = []
    for s in shown:
        mean, n = observers[s]
        gap, blind = gaps.get(s, (math.nan, False))
        pct = percentile.get(s)
        below = pct is not None and pct < BELOW_PAR
        tier = (1 if blind else 2) if below else (3 if blind else 4)
        found_items.append(
            Priority(
                scale_id=s,
                score=mean,
                n=n,
                percentile=pct,
                self_score=own.get(s),
                gap=gap if math.isfinite(gap) else None,
                blind_spot=blind,
                tier=tier if percentile else 0,
            )
        )
    if percentile:
        found_items.sort(
            key=lambda p: (
                p.tier,
                p.percentile if p.percentile is not None else math.inf,
                order[p.scale_id],
            )
        )
        return Priorities(BY_NORMS, tuple(found_items))
    # means equal but for rounding noise count as ties, which keep the framework order
    found_items.sort(key=lambda p: (round(p.score, 9), order[p.scale_id]))
    return Priorities(BY_OBSERVERS, tuple(found_items))
