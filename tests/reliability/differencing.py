"""A differencing auditor: every published (n, mean), and every pair an attacker could subtract.

The attacker knows who some raters are (R1's one partner is the partner organisation's
contact; R2's two peers were nominated by R2) and reads every figure colead publishes. For
each *protected set* of forms (a relation group of one person below the anonymity minimum,
and every part of it; a late form that arrived after the results were published) the
auditor tries every published figure, and every pair of figures on the same scale whose
counts differ by the size of the set::

    n_a * mean_a - n_b * mean_b  ==  sum of the protected forms' scores ?

A match is a recovered answer. Coincidences are ruled out by running the whole review several
times with fresh answers (the protected raters' too): a leak matches in every run, a
coincidence not. Nothing here is shared with the product's own disclosure rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: keys that hold a count of forms, raters, people or respondents next to a mean
COUNT_KEYS = ("n", "n_raters", "n_people", "n_forms", "n_observers", "respondents")
#: keys that say which scale a record is about
SCALE_KEYS = ("scale_id", "scale", "practice")


@dataclass(frozen=True)
class Figure:
    """One published mean with one of its counts, and where it was found."""

    scale: str | None
    n: int
    mean: float
    where: str


def figures(published: Any, where: str = "", scale: str | None = None) -> Iterator[Figure]:
    """Every (n, mean) in a nest of JSON-like dicts and lists, with its scale when known."""
    if isinstance(published, Mapping):
        here = scale
        for key in SCALE_KEYS:
            if isinstance(published.get(key), str):
                here = str(published[key])
        mean = published.get("mean")
        if isinstance(mean, int | float) and not isinstance(mean, bool) and math.isfinite(mean):
            for key in COUNT_KEYS:
                count = published.get(key)
                if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                    yield Figure(here, count, float(mean), f"{where}.{key}")
        for key, value in published.items():
            yield from figures(value, f"{where}/{key}", here)
    elif isinstance(published, list | tuple):
        for k, value in enumerate(published):
            yield from figures(value, f"{where}[{k}]", scale)


@dataclass(frozen=True)
class Recovery:
    """A protected set whose total came out of one figure, or of two subtracted."""

    protected: str
    scale: str
    larger: str
    smaller: str | None


def recoveries(
    found: Sequence[Figure],
    secrets: Mapping[str, Mapping[str, tuple[int, float]]],
    tolerance: float = 0.0006,
) -> set[tuple[str, str, str, str | None]]:
    """Which protected totals the figures give away.

    Parameters
    ----------
    found
        The published figures.
    secrets
        Protected set name -> scale -> (number of forms, true total of their scores).
    tolerance
        Rounding allowed per form in the difference: published means carry at least three
        decimals (the privacy export rounds to three; the API and files give full precision).
    """
    by_scale: dict[str | None, list[Figure]] = {}
    for figure in found:
        by_scale.setdefault(figure.scale, []).append(figure)
    hits: set[tuple[str, str, str, str | None]] = set()
    for name, per_scale in secrets.items():
        for scale, (size, total) in per_scale.items():
            pool = by_scale.get(scale, []) + by_scale.get(None, [])
            if not pool:
                continue
            n = np.array([f.n for f in pool], dtype=float)
            sums = n * np.array([f.mean for f in pool], dtype=float)
            slack = tolerance * (n[:, None] + n[None, :]) + 1e-9
            paired = (n[:, None] - n[None, :] == size) & (
                np.abs(sums[:, None] - sums[None, :] - total) <= slack
            )
            for a, b in zip(*np.nonzero(paired), strict=True):
                hits.add((name, scale, pool[a].where, pool[b].where))
            alone = (n == size) & (np.abs(sums - total) <= tolerance * n + 1e-9)
            for a in np.flatnonzero(alone):
                hits.add((name, scale, pool[a].where, None))
    return hits


def leaks(
    runs: Sequence[tuple[Sequence[Figure], Mapping[str, Mapping[str, tuple[int, float]]]]],
) -> list[Recovery]:
    """Recoveries found in every run (everyone answers afresh in each)."""
    found = [recoveries(figs, secrets) for figs, secrets in runs]
    common = set.intersection(*found) if found else set()
    return [Recovery(*hit) for hit in sorted(common, key=str)]


def pairs_tried(
    found: Sequence[Figure], secrets: Mapping[str, Mapping[str, tuple[int, float]]]
) -> int:
    """How many (figure, figure, protected set) combinations :func:`recoveries` weighs."""
    per_scale: dict[str | None, int] = {}
    for figure in found:
        per_scale[figure.scale] = per_scale.get(figure.scale, 0) + 1
    anywhere = per_scale.get(None, 0)
    return sum(
        (per_scale.get(scale, 0) + anywhere) ** 2 for per in secrets.values() for scale in per
    )
