"""Development priorities: norms percentile first, blind spots ahead, raw means without norms."""

from __future__ import annotations

from colead.analysis.benchmark import Norm
from colead.analysis.priorities import (
    BY_NORMS,
    BY_OBSERVERS,
    BY_SELF,
    development_priorities,
)

SCALES = ["model", "inspire", "challenge", "enable", "encourage", "plan"]


def _norm(scale: str, mean: float) -> Norm:
    # Percentile points of a norm group: the percentile of a score is read between them.
    points = {10: mean - 0.6, 25: mean - 0.3, 50: mean, 75: mean + 0.3, 90: mean + 0.6}
    return Norm(scale, n=200, mean=mean, sd=0.45, percentiles=points)


NORMS = {s: _norm(s, 3.5) for s in SCALES[:-1]}  # "plan" has no norm


def test_tiers_put_below_par_blind_spots_first_then_lowest_percentiles() -> None:
    observers = {
        "model": (3.3, 8),  # 40th: typical
        "inspire": (3.05, 8),  # below par and a blind spot
        "challenge": (2.9, 8),  # lowest percentile, no blind spot
        "enable": (3.45, 7),  # typical, blind spot
        "encourage": (3.1, 8),  # below par
        "plan": (2.0, 8),  # lowest raw mean, but no norm
    }
    own = {"model": 3.4, "inspire": 3.9, "challenge": 3.0, "enable": 4.2, "encourage": 3.2}
    gaps = {s: (own[s] - observers[s][0], own[s] - observers[s][0] >= 0.5) for s in own}
    found = development_priorities(SCALES, observers, own, gaps, NORMS)
    assert found.basis == BY_NORMS
    assert [p.scale_id for p in found.ranked] == [
        "inspire",  # tier 1
        "challenge",  # tier 2, lower percentile than encourage
        "encourage",
        "enable",  # tier 3
        "model",  # tier 4 with a norm
        "plan",  # tier 4 without one: after the normed
    ]
    first = found.ranked[0]
    assert first.below_par and first.blind_spot and first.gap is not None
    assert first.gap == 3.9 - 3.05
    assert [p.tier for p in found.ranked] == [1, 2, 2, 3, 4, 4]
    percentiles = [p.percentile for p in found.ranked if p.tier == 2]
    assert percentiles == sorted(percentiles)  # lowest percentile first within a tier
    assert found.ranked[-1].percentile is None
    assert [p.scale_id for p in found.first(2)] == ["inspire", "challenge"]


def test_without_norms_the_raw_means_rank_lowest_first() -> None:
    observers = {"model": (3.3, 8), "inspire": (3.0, 8), "challenge": (3.0, 6), "plan": (4.0, 8)}
    gaps = {"plan": (0.9, True)}
    found = development_priorities(SCALES, observers, {"plan": 4.9}, gaps, None)
    assert found.basis == BY_OBSERVERS
    # ties keep the framework order; a blind spot does not move a practice without norms
    assert [p.scale_id for p in found.ranked] == ["inspire", "challenge", "model", "plan"]
    assert found.ranked[-1].blind_spot
    assert all(p.percentile is None and p.tier == 0 for p in found.ranked)


def test_without_observer_scores_the_own_rating_ranks() -> None:
    found = development_priorities(SCALES, {}, {"model": 4.0, "plan": 2.5}, {}, NORMS)
    assert found.basis == BY_SELF
    assert [(p.scale_id, p.score, p.n) for p in found.ranked] == [
        ("plan", 2.5, 1),
        ("model", 4.0, 1),
    ]
    assert development_priorities(SCALES, {}, {}, {}, NORMS).ranked == ()
