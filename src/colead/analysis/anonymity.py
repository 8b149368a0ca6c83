"""Which rater groups may be shown without exposing anyone.

The rule (DESIGN §6): self and the line manager are shown as they are; every other
relation is shown as a group only when it holds at least ``minimum`` raters. Smaller
groups fold into "others". Folding must not let a reader recover a hidden rater by
subtraction, so when the folded remainder is itself too small, every non-manager observer
is pooled into one "others" group, and if even that is too small no observer figure
beyond the manager is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from colead.domain import ALWAYS_SHOWN, Relation

OTHERS = "others"
OBSERVERS = "observers"


def fold_groups(counts: Mapping[str, int], minimum: int) -> dict[str, str | None]:
    """Map each relation present to the group it is reported in (None: not reported).

    Parameters
    ----------
    counts
        Number of raters per relation for one rated person (relations with 0 may be absent).
    minimum
        Anonymity minimum (at least 3).

    Returns
    -------
    dict
        relation -> relation itself, ``"others"``, or None when it cannot be shown at all.
    """
    present = {rel: n for rel, n in counts.items() if n > 0}
    grouping: dict[str, str | None] = {}
    pooled = [rel for rel in present if rel not in ALWAYS_SHOWN]
    for rel in present:
        if rel in ALWAYS_SHOWN:
            grouping[rel] = rel
    small = [rel for rel in pooled if present[rel] < minimum]
    remainder = sum(present[rel] for rel in small)
    if remainder == 0 or remainder >= minimum:
        for rel in pooled:
            grouping[rel] = OTHERS if rel in small else rel
        return grouping
    # The small groups alone would expose someone: pool every non-manager observer.
    total = sum(present[rel] for rel in pooled)
    for rel in pooled:
        grouping[rel] = OTHERS if total >= minimum else None
    return grouping


def observers_shown(counts: Mapping[str, int], minimum: int) -> bool:
    """Whether the all-observer mean may be shown next to the groups of ``fold_groups``.

    It may when no non-manager observer is hidden: otherwise observers minus manager minus
    the shown groups would reveal the hidden raters.
    """
    grouping = fold_groups(counts, minimum)
    hidden = sum(n for rel, n in counts.items() if n > 0 and grouping.get(rel) is None)
    has_observer = any(n > 0 for rel, n in counts.items() if rel != Relation.self)
    return has_observer and hidden == 0
