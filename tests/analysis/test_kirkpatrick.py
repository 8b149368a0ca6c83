"""Level 4 of Kirkpatrick's summary: every KPI named, one verdict with Holm's adjustment.

Holm's adjusted p values are checked against R ``p.adjust(c(0.01, 0.04, 0.03, 0.005),
method = "holm")`` = ``0.03 0.06 0.06 0.02`` (worked by hand: sorted 0.005, 0.01, 0.03,
0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, then the running maximum).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from colead.analysis.baseline_adjusted import AdjustedEffect
from colead.analysis.evaluation import DiffInDiff
from colead.analysis.kirkpatrick import kirkpatrick_summary, kpi_evidence

_NAN = float("nan")


def _did(effect: float, p: float, sites: int = 12, reason: str | None = None) -> DiffInDiff:
    half = 0.3
    return DiffInDiff(
        effect, 0.2, (effect - half, effect + half), p, sites, sites // 2, sites - sites // 2,
        sites, True, effect, 0.0, reason,
    )  # fmt: skip


def _adjusted(effect: float, p: float, ci: tuple[float, float]) -> AdjustedEffect:
    return AdjustedEffect(effect, 0.1, ci, p, 12, 6, 6, 12, False, 0.7, -1.0, effect + 0.2)


def test_holm_adjusted_p_values_match_r_p_adjust() -> None:
    raw = (0.01, 0.04, 0.03, 0.005)
    evidence = kpi_evidence([(f"K{k}", True, _did(1.0, p), None) for k, p in enumerate(raw)])
    assert [e.p_holm for e in evidence] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [e.verdict for e in evidence] == ["improved", "inconclusive", "inconclusive", "improved"]


def test_each_kpi_uses_its_adjusted_estimate_when_there_is_one() -> None:
    evidence = kpi_evidence(
        [
            ("On time", True, _did(0.9, 0.001), _adjusted(0.4, 0.2, (-0.2, 1.0))),
            ("Incidents", False, _did(-0.5, 0.001), None),
            ("Cost", False, _did(_NAN, _NAN, reason="no comparison sites"), None),
        ]
    )
    on_time, incidents, cost = evidence
    assert (on_time.estimate, on_time.ci95, on_time.p) == (0.4, (-0.2, 1.0), 0.2)
    assert on_time.verdict == "inconclusive"
    assert incidents.verdict == "declined" and incidents.direction == "lower is better"
    assert cost.verdict == "not estimable" and math.isnan(cost.p_holm)
    assert cost.reason == "no comparison sites"
    # two tested KPIs: p 0.2 and 0.001 -> Holm 0.2 and 0.002
    assert on_time.p_holm == pytest.approx(0.2) and incidents.p_holm == pytest.approx(0.002)


def test_level_4_names_every_kpi_and_summarises_with_holm() -> None:
    evidence = kpi_evidence(
        [
            ("On-time delivery (%)", True, _did(1.2, 0.001), None),
            ("Safety incidents", False, _did(-0.4, 0.004), None),
            ("Partner satisfaction", True, _did(0.1, 0.6), None),
        ]
    )
    level = kirkpatrick_summary(results=evidence)[3]
    assert level.evidence == "mixed"
    for text in (
        "On-time delivery (%) (higher is better): +1.20",
        "Safety incidents (lower is better): -0.40",
        "Partner satisfaction (higher is better)",
        "1 improved and 1 declined",
        "Holm",
    ):
        assert text in level.detail
    few = kirkpatrick_summary(results=kpi_evidence([("K", True, _did(1.0, 0.01, 6), None)]))
    assert few[3].evidence == "exploratory: improved" and "Only 6 sites" in few[3].detail
    nothing = kirkpatrick_summary(
        results=kpi_evidence([("K", True, _did(_NAN, _NAN, reason="no sites"), None)])
    )
    assert nothing[3].evidence == "not estimable" and "K: no sites" in nothing[3].detail


def test_behaviour_verdict_rests_on_the_adjusted_effect() -> None:
    did = _did(0.5, 0.001, sites=20)
    adjusted = _adjusted(0.1, 0.3, (-0.1, 0.3))
    level = kirkpatrick_summary(behaviour=did, behaviour_adjusted=adjusted)[2]
    assert level.evidence == "inconclusive"
    assert "same baseline score (ANCOVA)" in level.detail
    assert "regression to the mean" in level.detail and "started 1.00 lower" in level.detail
    plain = kirkpatrick_summary(behaviour=did)[2]
    assert plain.evidence == "improved" and "ANCOVA" not in plain.detail
    assert np.isfinite(adjusted.unadjusted)
