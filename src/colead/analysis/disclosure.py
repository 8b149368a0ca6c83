"""Disclosure control: which forms each published figure of a wave may be built from.

Every figure colead publishes about raters' answers (a person's group scores, the
review-wide profile by relation, site and organisation profiles, measurement quality,
raw anonymous rows, comments) is built from what this module decides, once per wave:

1. **The grouping of each rated person** (:func:`decide_disclosure`). From the number of
   submitted forms per relation, :func:`~colead.analysis.anonymity.fold_groups` gives each
   form its published group: its own relation, ``"others"``, or none (withheld). The same
   grouping holds for every scale, page, export and aggregate of the wave.
2. **Published cells.** A group's score on one scale is published when at least
   ``minimum`` of its forms scored that scale (self and the line manager are shown alone,
   as the design promises). A form's score *counts* anywhere only when its cell is
   published: aggregates across people are then sums of published cells, so subtracting
   one published figure from another can only give back figures already published.
3. **The all-observers row** of a person and scale is the mean of the published observer
   scores only: a withheld score in it would come back as the row minus the shown groups.

Differencing over time (before and after one more answer) is handled where forms are
released (:func:`changes_safe_to_release`): a published cell may only change by at least
``minimum`` forms at once.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (magnitude
tables: the threshold rule and disclosure by differencing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colead.analysis.anonymity import OTHERS, fold_groups, observers_shown
from colead.domain import ALWAYS_SHOWN, Relation

__all__ = [
    "WaveDisclosure",
    "changes_safe_to_release",
    "comment_forms",
    "decide_disclosure",
    "differencing_problems",
]

_SELF = Relation.self.value
_EXEMPT = frozenset(str(r) for r in ALWAYS_SHOWN)


@dataclass(frozen=True)
class WaveDisclosure:
    """What may be published of one wave's forms (rows aligned with its responses).

    Attributes
    ----------
    ratees
        Rated person ids; ``ratee_code`` indexes it.
    ratee_code
        Per form, its rated person.
    slot
        Per form, its published group as an index into ``slot_names`` (-1: withheld).
    slot_names
        Relation names, then ``"others"``.
    published
        Forms × scales: the form's score is valid and in a published cell.
    minimum
        The anonymity minimum it was decided with.
    """

    ratees: np.ndarray
    ratee_code: np.ndarray
    slot: np.ndarray
    slot_names: np.ndarray
    published: np.ndarray
    minimum: int

    @property
    def labels(self) -> np.ndarray:
        """Per form, the group it is published in (``None``: withheld)."""
        names = np.array([*self.slot_names.tolist(), None], dtype=object)
        found: np.ndarray = names[np.where(self.slot >= 0, self.slot, len(self.slot_names))]
        return found

    @property
    def is_self(self) -> np.ndarray:
        """Per form, whether it is the person's own (self forms are never withheld)."""
        named: np.ndarray = self.slot_names[np.maximum(self.slot, 0)] == _SELF
        return named & (self.slot >= 0)

    def withheld_scores(self, scores: np.ndarray) -> np.ndarray:
        """Forms × scales: a valid score that no published figure may use."""
        withheld: np.ndarray = ~np.isnan(scores) & ~self.published
        return withheld


def decide_disclosure(responses: pd.DataFrame, scores: np.ndarray, minimum: int) -> WaveDisclosure:
    """Decide, once for a wave, the published group of every form and its published cells.

    Parameters
    ----------
    responses
        ``ratee_id, relation`` per submitted form.
    scores
        Forms × scales scale scores (NaN: too few items answered), aligned with
        ``responses``; only the scales about people belong here.
    minimum
        Anonymity minimum (at least 3).

    Returns
    -------
    WaveDisclosure
    """
    ratee_code, ratee_index = pd.factorize(responses["ratee_id"].astype(str), sort=True)
    relation_code, relation_index = pd.factorize(responses["relation"].astype(str))
    relations = [str(r) for r in relation_index]
    n_ratee, n_rel = len(ratee_index), len(relations)
    slot_names = np.array([*relations, OTHERS], dtype=object)
    n_slots = n_rel + 1
    scores = np.asarray(scores, dtype=float)
    n_scales = scores.shape[1] if scores.ndim == 2 else 0
    if n_ratee == 0:
        empty = np.zeros((0, n_scales), dtype=bool)
        return WaveDisclosure(
            np.asarray(ratee_index, dtype=object),
            ratee_code,
            np.zeros(0, dtype=np.int64),
            slot_names,
            empty,
            minimum,
        )
    # The grouping follows the forms a person received, not who scored which scale, so
    # it is the same on every page and every scale of the wave.
    counts = np.bincount(ratee_code * n_rel + relation_code, minlength=n_ratee * n_rel)
    slot_of, _, pattern_of = fold_patterns(counts.reshape(n_ratee, n_rel), relations, minimum)
    slot = slot_of[pattern_of[ratee_code], relation_code]

    valid = ~np.isnan(scores)
    grouped = slot >= 0
    exempt = np.isin(slot_names, list(_EXEMPT))
    key = ratee_code * n_slots + np.where(grouped, slot, 0)
    published = np.zeros_like(valid)
    for j in range(n_scales):
        scored = valid[:, j] & grouped
        cell_n = np.bincount(key[scored], minlength=n_ratee * n_slots)
        enough = (cell_n[key] >= minimum) | exempt[np.where(grouped, slot, 0)]
        published[:, j] = scored & enough
    return WaveDisclosure(
        ratees=np.asarray(ratee_index, dtype=object),
        ratee_code=ratee_code,
        slot=slot,
        slot_names=slot_names,
        published=published,
        minimum=minimum,
    )


def comment_forms(labels: Iterable[object], minimum: int) -> np.ndarray:
    """Which of one person's forms may have their comments shown.

    Comments are pooled and never attributed, so they may appear only with groups that are
    themselves shown, and only when those groups hold at least ``minimum`` forms without
    the line manager: a manager shown alone must never raise the count that lets two peers'
    comments through. Self comments are the person's own and are handled apart.

    Parameters
    ----------
    labels
        Published group of each of the person's forms (``None``: withheld).
    minimum
        Anonymity minimum.

    Returns
    -------
    numpy.ndarray
        Boolean per form.
    """
    group = np.asarray(list(labels), dtype=object)
    shown = np.array([g is not None and g != _SELF for g in group], dtype=bool)
    pooled = shown & np.array([g not in _EXEMPT for g in group], dtype=bool)
    if pooled.sum() < minimum:
        return np.zeros(len(group), dtype=bool)
    return shown


def differencing_problems(
    cells: Iterable[frozenset[object]], minimum: int, known: Iterable[object] = ()
) -> list[tuple[frozenset[object], frozenset[object]]]:
    """Pairs of published cells whose difference isolates fewer than ``minimum`` forms.

    A cell is the set of forms (or form versions) a published figure sums. When one cell
    holds another, subtracting their totals gives the sum of the forms between them: that
    is a disclosure unless it is empty, at least ``minimum`` forms, or made only of forms
    published on their own anyway (``known``: self and line-manager forms). A single cell
    below the minimum is reported against the empty cell.

    Parameters
    ----------
    cells
        Form sets of the published figures (of one scale).
    minimum
        Anonymity minimum.
    known
        Forms whose own figure is published.

    Returns
    -------
    list of (larger, smaller)
        Every offending pair; empty when nothing can be isolated.
    """
    alone = frozenset(known)
    distinct = sorted({frozenset(c) for c in cells} | {frozenset()}, key=len)
    problems = []
    for i, small in enumerate(distinct):
        for large in distinct[i + 1 :]:
            if small <= large:
                between = len(large - small - alone)
                if 0 < between < minimum:
                    problems.append((large, small))
    return problems


def changes_safe_to_release(
    relations: Sequence[str],
    scores: np.ndarray,
    released: np.ndarray,
    minimum: int,
) -> bool:
    """Whether one person's not yet released forms may join the published results now.

    Compares every published cell (group × scale, and the all-observers row) of the
    person before and after the release, with :func:`differencing_problems`: a reader who
    kept the earlier figures must not be able to isolate fewer than ``minimum`` forms by
    subtracting them from the new ones. Forms of self and the line manager count as known.

    Parameters
    ----------
    relations
        Relation of each of the person's submitted forms.
    scores
        Forms × scales scale scores of those forms (person scales only).
    released
        Which forms are already published.
    minimum
        Anonymity minimum.
    """
    released = np.asarray(released, dtype=bool)
    if not released.any():
        return True  # nothing published yet: the first release is a grouping like any other
    before = _person_cells(relations, scores, released, minimum)
    after = _person_cells(relations, scores, np.ones_like(released), minimum)
    known = {k for k, r in enumerate(relations) if r in _EXEMPT}
    checked: set[frozenset[frozenset[object]]] = set()
    for scale in range(np.asarray(scores).shape[1]):
        cells = frozenset(before.get(scale, []) + after.get(scale, []))
        if cells in checked:  # most scales were scored by the same forms: check once
            continue
        checked.add(cells)
        if differencing_problems(cells, minimum, known):
            return False
    return True


def _person_cells(
    relations: Sequence[str], scores: np.ndarray, included: np.ndarray, minimum: int
) -> dict[int, list[frozenset[object]]]:
    """The published cells of one person (form positions per scale) from ``included``.

    The rule of :func:`decide_disclosure` for one person, without its table machinery (it
    runs once per person at a re-close).
    """
    rows = np.flatnonzero(included)
    if not len(rows):
        return {}
    mine = [relations[int(k)] for k in rows]
    counts: dict[str, int] = {}
    for relation in mine:
        counts[relation] = counts.get(relation, 0) + 1
    grouping = fold_groups(counts, minimum)
    group = np.array([grouping.get(r) or "" for r in mine], dtype=object)
    valid = ~np.isnan(np.asarray(scores, dtype=float)[rows])
    exempt = np.array([g in _EXEMPT for g in group], dtype=bool)
    observer = np.array([r != _SELF for r in mine], dtype=bool)
    names = [g for g in dict.fromkeys(group.tolist()) if g]
    cells: dict[int, list[frozenset[object]]] = {}
    for scale in range(valid.shape[1]):
        published = np.zeros(len(rows), dtype=bool)
        found = []
        for name in names:
            members = (group == name) & valid[:, scale]
            if members.sum() >= minimum or (members.any() and exempt[members].all()):
                published |= members
                found.append(frozenset(rows[members].tolist()))
        found.append(frozenset(rows[published & observer].tolist()))
        cells[scale] = found
    return cells


def fold_patterns(
    counts: np.ndarray, relations: list[str], minimum: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fold each distinct pattern of rater counts once (patterns are few, rows many).

    Parameters
    ----------
    counts
        Rows × relations: forms per relation (one row per rated person, or per person and
        scale).

    Returns
    -------
    slot_of, observers_ok, pattern_of
        The slot of each (pattern, relation) (-1: not shown; ``len(relations)``:
        "others"), whether each pattern may show its observer mean, and each row's pattern.
    """
    n_rel = len(relations)
    # One integer per row (mixed radix on the counts) makes finding patterns a 1-D unique.
    radix = int(counts.max(initial=0)) + 1
    if radix ** max(n_rel, 1) < 2**62:
        packed = counts @ (radix ** np.arange(n_rel, dtype=np.int64))
        _, first, pattern_of = np.unique(packed, return_index=True, return_inverse=True)
        patterns = counts[first]
    else:
        patterns, pattern_of = np.unique(counts, axis=0, return_inverse=True)
    slot_of = np.full((len(patterns), n_rel), -1, dtype=np.int64)
    observers_ok = np.zeros(len(patterns), dtype=bool)
    for p, row in enumerate(patterns):
        mix = {relations[k]: int(n) for k, n in enumerate(row) if n}
        for relation, group in fold_groups(mix, minimum).items():
            if group is not None:
                slot_of[p, relations.index(relation)] = (
                    n_rel if group == OTHERS else relations.index(group)
                )
        observers_ok[p] = observers_shown(mix, minimum)
    return slot_of, observers_ok, np.asarray(pattern_of).reshape(-1)
