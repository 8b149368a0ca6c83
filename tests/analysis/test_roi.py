"""Phillips ROI (level 5): checked against published figures and a plain hand calculation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from colead.analysis.roi import (
    SITE_DID_METHOD,
    KpiValuation,
    ProgrammeCosts,
    phillips_roi,
    valuations_from_kpi_did,
)


def test_the_published_basics_example_gives_bcr_three_and_roi_two_hundred_percent() -> None:
    # Phillips, P. P. & Phillips, J. J. (2005). Return on Investment (ROI) Basics. ASTD Press,
    # ch. 1: improvement worth $60,000 against programme costs of $20,000 gives
    # BCR = 60,000 / 20,000 = 3:1, net benefits $40,000 and ROI = 40,000 / 20,000 × 100 = 200 %.
    result = phillips_roi(
        [KpiValuation("sales", improvement_per_site=60_000.0, value_per_unit=1.0, sites=1)],
        ProgrammeCosts(cost_per_participant=1_500.0, participants=10, other_costs=5_000.0),
        "control group",
    )
    assert result.benefits == pytest.approx(60_000.0)
    assert result.costs == pytest.approx(20_000.0)
    assert result.net_benefit == pytest.approx(40_000.0)
    assert result.bcr == pytest.approx(3.0)
    assert result.roi_percent == pytest.approx(200.0)
    assert result.isolation_method == "control group"


def test_roi_is_bcr_minus_one_as_in_a_published_leadership_programme() -> None:
    # Rohs, F. R. (2003). Leadership development: return on investment (ERIC ED 479 653):
    # "for every $1 invested, $3.86 in benefits were returned ... $2.86 in net benefits",
    # i.e. BCR 3.86 and ROI 286 %. Any benefits and costs in that ratio must give both.
    result = phillips_roi(
        [KpiValuation("k", improvement_per_site=3.86, value_per_unit=1_000.0, sites=25)],
        ProgrammeCosts(cost_per_participant=1_000.0, participants=25),
        "trend line analysis",
    )
    assert result.bcr == pytest.approx(3.86)
    assert result.roi_percent == pytest.approx(286.0)


def _hand(valuations: list[KpiValuation], costs: ProgrammeCosts, end: int | None) -> float:
    """ROI % by plain loops: end None = point values, 0/1 = lower/upper CI end."""
    benefits = 0.0
    for v in valuations:
        if end is None or v.ci is None:
            change = v.improvement_per_site
        else:
            candidates = [v.ci[0], v.ci[1]]
            money = []
            for c in candidates:
                money.append(c * v.value_per_unit * v.sites * v.periods * v.attribution)
            benefits += sorted(money)[end]
            continue
        benefits += change * v.value_per_unit * v.sites * v.periods * v.attribution
    total = costs.cost_per_participant * costs.participants + costs.other_costs
    return (benefits - total) / total * 100


def test_several_kpis_with_intervals_match_a_hand_calculation() -> None:
    # Hand calculation: complaints fall 1.5 per site per quarter (lower is better, so +1.5)
    # at 6 sites for 4 quarters at 2,000 each = 72,000; on-time delivery up 0.8 points at
    # 6 sites for 4 quarters at 3,000 a point, 50 % attributed = 28,800; rework (no CI)
    # 10 hours at 3 sites for 2 periods at 40 = 2,400. Benefits 103,200. Costs 40 × 1,500
    # + 12,000 = 72,000. Net 31,200; BCR 1.4333; ROI 43.33 %.
    valuations = [
        KpiValuation("complaints", 1.5, 2_000.0, sites=6, periods=4, ci=(0.2, 2.8)),
        KpiValuation("on_time", 0.8, 3_000.0, sites=6, periods=4, ci=(-0.4, 2.0), attribution=0.5),
        KpiValuation("rework_hours", 10.0, 40.0, sites=3, periods=2),
    ]
    costs = ProgrammeCosts(cost_per_participant=1_500.0, participants=40, other_costs=12_000.0)
    result = phillips_roi(valuations, costs, SITE_DID_METHOD)
    assert result.benefits == pytest.approx(103_200.0)
    assert result.costs == pytest.approx(72_000.0)
    assert result.net_benefit == pytest.approx(31_200.0)
    assert result.bcr == pytest.approx(103_200 / 72_000)
    assert result.roi_percent == pytest.approx(43.3333, abs=1e-3)
    assert result.roi_percent == pytest.approx(_hand(valuations, costs, None))
    # lower ends: 0.2 × 48,000 = 9,600; −0.4 × 36,000 = −14,400; rework 2,400 -> −2,400
    assert result.benefits_low == pytest.approx(-2_400.0)
    assert result.roi_low == pytest.approx(_hand(valuations, costs, 0))
    assert result.roi_high == pytest.approx(_hand(valuations, costs, 1))
    assert result.roi_low < result.roi_percent < result.roi_high
    assert [k.kpi for k in result.kpis] == ["complaints", "on_time", "rework_hours"]
    assert result.kpis[2].low is None
    assert any("includes a loss" in n for n in result.notes)
    assert any("rework_hours" in n for n in result.notes)


def test_without_intervals_or_costs_the_ends_and_ratios_are_absent() -> None:
    no_ci = phillips_roi(
        [KpiValuation("k", 2.0, 10.0, sites=1)], ProgrammeCosts(100.0, 1), "expert estimate"
    )
    assert not no_ci.has_interval and no_ci.roi_low is None
    free = phillips_roi([KpiValuation("k", 2.0, 10.0, sites=1)], ProgrammeCosts(0.0, 5), "x")
    assert free.bcr is None and free.roi_percent is None
    assert free.net_benefit == pytest.approx(20.0)
    nothing = phillips_roi([], ProgrammeCosts(100.0, 2), "x")
    assert nothing.roi_percent == pytest.approx(-100.0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: KpiValuation("k", 1.0, -1.0, sites=1),
        lambda: KpiValuation("k", 1.0, 1.0, sites=-1),
        lambda: KpiValuation("k", 1.0, 1.0, sites=1, attribution=1.5),
        lambda: KpiValuation("k", 1.0, 1.0, sites=1, ci=(2.0, 1.0)),
        lambda: ProgrammeCosts(-1.0, 3),
        lambda: ProgrammeCosts(1.0, 3, other_costs=-5.0),
    ],
)
def test_impossible_inputs_are_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_an_roi_must_say_how_the_effect_was_isolated() -> None:
    with pytest.raises(ValueError, match="isolated"):
        phillips_roi([], ProgrammeCosts(1.0, 1), "  ")


def test_valuations_come_from_the_evaluation_kpi_table() -> None:
    kpi_did = pd.DataFrame(
        [
            {"kpi": "complaints", "effect": 1.5, "ci_low": 0.2, "ci_high": 2.8,
             "n_treated": 6, "reason": None},
            {"kpi": "on_time", "effect": 0.8, "ci_low": -0.4, "ci_high": 2.0,
             "n_treated": 6, "reason": None},
            {"kpi": "unvalued", "effect": 9.0, "ci_low": 1.0, "ci_high": 10.0,
             "n_treated": 6, "reason": None},
            {"kpi": "too_few", "effect": math.nan, "ci_low": math.nan, "ci_high": math.nan,
             "n_treated": 1, "reason": "fewer than 2 sites in a group"},
        ]
    )  # fmt: skip
    values = {"complaints": 2_000.0, "on_time": 3_000.0, "too_few": 5.0}
    valuations = valuations_from_kpi_did(kpi_did, values, periods={"complaints": 4})
    assert [v.kpi for v in valuations] == ["complaints", "on_time"]
    assert valuations[0] == KpiValuation("complaints", 1.5, 2_000.0, 6, 4.0, (0.2, 2.8))
    assert valuations[1].periods == 1.0
    result = phillips_roi(valuations, ProgrammeCosts(1_000.0, 30), SITE_DID_METHOD)
    # 1.5 × 2,000 × 6 × 4 + 0.8 × 3,000 × 6 × 1 = 72,000 + 14,400 = 86,400
    assert result.benefits == pytest.approx(86_400.0)
    assert result.roi_percent == pytest.approx((86_400 - 30_000) / 30_000 * 100)
