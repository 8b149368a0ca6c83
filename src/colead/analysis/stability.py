"""Does each scale still behave the same from one wave to the next?

A follow-up wave is only comparable with the baseline when the scales measure alike in both.
For every scale and wave this module reports Cronbach's alpha and the corrected item–total
correlation of every item (both from :func:`colead.analysis.psychometrics.cronbach_alpha`),
and compares each wave with the one before it.

Drift rules (the warnings)
--------------------------
- alpha below :data:`ALPHA_FLOOR` (0.70) in a wave: the conventional lower bound of
  acceptable reliability for group comparisons (Nunnally & Bernstein 1994, p. 265);
- alpha changing by more than :data:`ALPHA_CHANGE` (0.10) between consecutive waves;
- an item whose corrected item–total correlation is below :data:`ITEM_TOTAL_FLOOR` (0.30),
  the usual minimum for an item to belong to its scale (Nunnally & Bernstein 1994;
  Field 2013, section 17.9);
- an item whose corrected item–total correlation changes by more than
  :data:`ITEM_TOTAL_CHANGE` (0.20) between consecutive waves: the item now relates to its
  scale differently, a sign it is read differently (a change in meaning or context).

The two change thresholds are conventions of this project, not published cut-offs: they are
about the width of the 95% interval of alpha and of a correlation at the sample sizes of a
typical review (n ≈ 100 forms), so smaller changes are within sampling noise.

A change counts as *drift* only on a scale reliable enough to compare: when alpha is below
the floor in both waves, the scale is weak in both, and the alpha of a short, weak scale
moves a lot from sample to sample (more so when respondents are clustered in a few sites,
as site-rated scales are), so its changes are reported as warnings of a weak scale, not as
drift. A floor newly broken is drift; a floor broken in both waves is a standing weakness.

Items are compared by id. When a later wave used another framework version, the caller
renames its items to the earlier ids with the declared mapping (:func:`scale_blocks`).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297–334.
Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.
Field, A. (2013). *Discovering statistics using IBM SPSS Statistics* (4th ed.). Sage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.psychometrics import cronbach_alpha
from colead.domain import Relation
from colead.framework import Framework
from colead.framework.model import RatedUnit

__all__ = [
    "ALPHA_CHANGE",
    "ALPHA_FLOOR",
    "ITEM_TOTAL_CHANGE",
    "ITEM_TOTAL_FLOOR",
    "DriftWarning",
    "ScaleWave",
    "StabilityResult",
    "scale_blocks",
    "scale_stability",
]

#: alpha below this in any wave is a warning (Nunnally & Bernstein 1994)
ALPHA_FLOOR = 0.70
#: alpha moving by more than this between consecutive waves is a warning
ALPHA_CHANGE = 0.10
#: an item's corrected item–total correlation below this is a warning
ITEM_TOTAL_FLOOR = 0.30
#: an item's corrected item–total correlation moving by more than this is a warning
ITEM_TOTAL_CHANGE = 0.20


@dataclass(frozen=True)
class ScaleWave:
    """Alpha and corrected item–total correlations of one scale in one wave."""

    scale_id: str
    wave: str
    alpha: float
    n: int
    k: int
    item_total: dict[str, float]
    reason: str | None = None


@dataclass(frozen=True)
class DriftWarning:
    """One broken rule. ``kind`` is alpha_low, alpha_change, item_low or item_change;
    ``item_id`` is None for the alpha rules; ``previous_wave`` is None in the first wave."""

    scale_id: str
    wave: str
    kind: str
    value: float
    item_id: str | None = None
    previous_wave: str | None = None
    previous: float = math.nan
    #: a change since the previous wave (True), or a standing weakness (False): a floor
    #: broken in the first wave, or already broken in the wave before
    drift: bool = True

    @property
    def message(self) -> str:
        what = f"item {self.item_id}" if self.item_id else "alpha"
        stat = "item-total r" if self.item_id else "alpha"
        if self.kind in ("alpha_low", "item_low"):
            floor = ALPHA_FLOOR if self.kind == "alpha_low" else ITEM_TOTAL_FLOOR
            text = f"{self.scale_id} {what}: {stat} {self.value:.2f} below {floor:.2f}"
            if self.drift:
                text += f" (was {self.previous:.2f} in {self.previous_wave})"
            return text
        limit = ALPHA_CHANGE if self.kind == "alpha_change" else ITEM_TOTAL_CHANGE
        text = (
            f"{self.scale_id} {what}: {stat} {self.previous:.2f} in {self.previous_wave} -> "
            f"{self.value:.2f} in {self.wave} (change above {limit:.2f}"
        )
        if not self.drift:
            return text + f"; alpha below {ALPHA_FLOOR:.2f} in both waves: a weak scale)"
        return text + ")"


@dataclass(frozen=True)
class StabilityResult:
    waves: tuple[str, ...]
    scales: tuple[ScaleWave, ...]
    warnings: tuple[DriftWarning, ...]

    def drifting(self, scale_id: str) -> bool:
        """Whether the scale changed between waves: a change rule broken, or a floor
        newly broken (a floor broken in every wave is a weak scale, not drift)."""
        return any(w.scale_id == scale_id and w.drift for w in self.warnings)

    def table(self) -> pd.DataFrame:
        """One row per scale and wave: ``scale_id, wave, alpha, n, k, min_item_total,
        warnings, drift`` (broken rules for that scale in that wave, and how many of them
        are changes since the wave before)."""
        counts: dict[tuple[str, str], int] = {}
        drifts: dict[tuple[str, str], int] = {}
        for w in self.warnings:
            key = (w.scale_id, w.wave)
            counts[key] = counts.get(key, 0) + 1
            drifts[key] = drifts.get(key, 0) + int(w.drift)
        rows = []
        for s in self.scales:
            finite = [v for v in s.item_total.values() if math.isfinite(v)]
            rows.append(
                {
                    "scale_id": s.scale_id,
                    "wave": s.wave,
                    "alpha": s.alpha,
                    "n": s.n,
                    "k": s.k,
                    "min_item_total": min(finite) if finite else math.nan,
                    "warnings": counts.get((s.scale_id, s.wave), 0),
                    "drift": drifts.get((s.scale_id, s.wave), 0),
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "scale_id",
                "wave",
                "alpha",
                "n",
                "k",
                "min_item_total",
                "warnings",
                "drift",
            ],
        )


def scale_blocks(
    values: np.ndarray,
    relations: pd.Series | Sequence[str],
    framework: Framework,
    *,
    rename: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Forms × items table of each scale of one wave, NaN for blank or not observed.

    As in the wave's own reliability (:mod:`colead.analysis.measurement`), the units of a
    person-rated scale are observers' forms (a self-rating is a different response
    process), those of a site scale every form that answered it. ``rename`` maps this
    wave's item ids to the ids they are compared under (a framework-version mapping,
    inverted); a scale keeps the id of this wave's framework.
    """
    codes = np.asarray(values)
    is_observer = np.asarray(pd.Series(relations).astype(str) != Relation.self.value)
    names = [rename.get(i, i) if rename else i for i in framework.item_ids]
    families = framework.scale_family
    blocks: dict[str, pd.DataFrame] = {}
    for scale_id in framework.scale_ids:
        columns = [i for i, s in enumerate(framework.item_scale) if s == scale_id]
        person = framework.family(families[scale_id]).rates is RatedUnit.person
        block = (codes[is_observer] if person else codes)[:, columns].astype(float)
        # Negative codes are "blank" and "not observed": missing answers, not values.
        block[block < 0] = np.nan
        frame = pd.DataFrame(block, columns=[names[i] for i in columns])
        blocks[scale_id] = frame.dropna(how="all").reset_index(drop=True)
    return blocks


def scale_stability(waves: Sequence[tuple[str, Mapping[str, pd.DataFrame]]]) -> StabilityResult:
    """Alpha and item–total correlations per scale and wave, with drift warnings.

    For each scale block (respondents × items, NaN missing) Cronbach's alpha is::

        alpha = k / (k - 1) * (1 - sum_i var(x_i) / var(sum_i x_i))

    and the corrected item–total correlation of item i is the Pearson correlation of x_i
    with the sum of the other items (Cronbach 1951; psych's ``r.drop``), both computed by
    :func:`colead.analysis.psychometrics.cronbach_alpha` with pairwise deletion.

    Parameters
    ----------
    waves
        ``(wave name, {scale_id: block})`` in chronological order. A scale missing from a
        wave is skipped there; changes compare a wave with the last earlier wave that has
        the scale.

    Returns
    -------
    StabilityResult
        Rules and thresholds as in the module docstring. An undefined statistic (NaN) never
        raises a warning; its ``reason`` says why it is undefined.
    """
    names = tuple(name for name, _ in waves)
    if len(set(names)) != len(names):
        raise ValueError("wave names must be unique")
    order: list[str] = []
    for _, blocks in waves:
        order.extend(s for s in blocks if s not in order)
    results: list[ScaleWave] = []
    warnings: list[DriftWarning] = []
    for scale_id in order:
        previous: ScaleWave | None = None
        for wave, blocks in waves:
            if scale_id not in blocks:
                continue
            fit = cronbach_alpha(blocks[scale_id])
            current = ScaleWave(
                scale_id, wave, fit.alpha, fit.n, fit.k, dict(fit.item_total), fit.reason
            )
            results.append(current)
            warnings.extend(_drift(current, previous))
            previous = current
    return StabilityResult(names, tuple(results), tuple(warnings))


def _drift(current: ScaleWave, previous: ScaleWave | None) -> list[DriftWarning]:
    found: list[DriftWarning] = []
    scale, wave = current.scale_id, current.wave
    before_alpha = previous.alpha if previous else math.nan
    if current.alpha < ALPHA_FLOOR:
        # Below the floor now but not before: the scale dropped, which is drift.
        crossed = before_alpha >= ALPHA_FLOOR
        found.append(
            DriftWarning(
                scale,
                wave,
                "alpha_low",
                current.alpha,
                None,
                _name(previous),
                before_alpha,
                crossed,
            )
        )
    # A scale weak in both waves fluctuates by nature: its changes are not drift.
    comparable = not (current.alpha < ALPHA_FLOOR and before_alpha < ALPHA_FLOOR)
    if abs(current.alpha - before_alpha) > ALPHA_CHANGE:
        found.append(
            DriftWarning(
                scale,
                wave,
                "alpha_change",
                current.alpha,
                None,
                _name(previous),
                before_alpha,
                comparable,
            )
        )
    for item, r in current.item_total.items():
        before = previous.item_total.get(item, math.nan) if previous else math.nan
        if r < ITEM_TOTAL_FLOOR:
            crossed = before >= ITEM_TOTAL_FLOOR and comparable
            found.append(
                DriftWarning(scale, wave, "item_low", r, item, _name(previous), before, crossed)
            )
        if abs(r - before) > ITEM_TOTAL_CHANGE:
            found.append(
                DriftWarning(
                    scale, wave, "item_change", r, item, _name(previous), before, comparable
                )
            )
    return found


def _name(previous: ScaleWave | None) -> str | None:
    return previous.wave if previous else None
