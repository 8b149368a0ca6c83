"""The ROI and the reaction level threaded through the programme evaluation.

Phillips' formulas (Phillips & Phillips 2005, *Return on Investment (ROI) Basics*, ch. 1;
Phillips 2003, ch. 8): BCR = benefits / costs and ROI % = (benefits − costs) / costs × 100.
Each KPI's benefit is recomputed here by hand from the evaluation's own KPI table: the
baseline-adjusted estimate per site × treated sites × periods × value per unit. The headline
rule follows Phillips' guiding principles 6 and 8 (2003, ch. 1): only KPIs whose improvement
the data support count, and a return is stated only on enough sites.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from colead.analysis.programme import (
    ProgrammeEvaluation,
    UnitValue,
    evaluate_programme,
    programme_roi,
)
from colead.analysis.programme_roi import ADJUSTED_SITE_METHOD
from colead.analysis.review import analyse_with_baseline
from colead.analysis.roi import ProgrammeCosts
from colead.framework import load_framework
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data
from reports.factories import LEADERSHIP_SCALES, build_analysed_results

ON_TIME = "On-time delivery (%)"
COST_VARIANCE = "Cost variance (%)"
VALUES = (
    UnitValue(ON_TIME, 20_000.0, "GBP", 4.0, "contract penalty schedule"),
    UnitValue(COST_VARIANCE, 5_000.0, "GBP", 2.0),
)
COSTS = ProgrammeCosts(cost_per_participant=1_850.0, participants=66, other_costs=24_000.0)
REACTION = (4.0, 4.5, 3.5, 5.0, np.nan)


@functools.cache
def _evaluation() -> ProgrammeEvaluation:
    """The small simulated review (seed 3) analysed with values, costs and reactions."""
    framework = load_framework()
    sim = simulate(framework, "small", seed=3)
    results = analyse_with_baseline(
        simulated_wave_data(sim, 1, framework),
        simulated_wave_data(sim, 0, framework),
        3,
        enrolments=sim.enrolments,
        kpis=sim.kpis,
        programme_start=date.fromisoformat(sim.programme["start"]),
        programme_end=date.fromisoformat(sim.programme["end"]),
        reaction=REACTION,
        kpi_values=VALUES,
        costs=COSTS,
        costs_note="Costs of the one programme.",
    )
    assert results.evaluation is not None
    return results.evaluation


def test_the_roi_is_phillips_formula_on_the_evaluations_own_kpi_table() -> None:
    ev = _evaluation()
    roi = ev.roi
    assert roi is not None and ev.roi_currency == "GBP"
    assert roi.isolation_method == ADJUSTED_SITE_METHOD
    did = ev.kpi_did.set_index("kpi")
    # The benefits rest on the baseline-adjusted estimate, not the difference in differences.
    assert (did["estimate"] == did["adjusted_effect"]).all()
    assert (did["estimate"] != did["effect"]).all()
    by_hand = {
        v.kpi: float(did.loc[v.kpi, "estimate"]) * int(did.loc[v.kpi, "n_treated"]) * v.periods
        * v.value_per_unit
        for v in VALUES
    }  # fmt: skip
    assert {k.kpi: k.benefit for k in roi.kpis} == pytest.approx(by_hand)
    benefits = sum(by_hand.values())
    costs = 1_850.0 * 66 + 24_000.0
    assert roi.benefits == pytest.approx(benefits)
    assert roi.costs == pytest.approx(costs)
    assert roi.net_benefit == pytest.approx(benefits - costs)
    assert roi.bcr == pytest.approx(benefits / costs)
    assert roi.roi_percent == pytest.approx((benefits - costs) / costs * 100)
    # The interval moves every KPI to the ends of its 95% CI: the KPIs' uncertainty only.
    low = sum(
        min(did.loc[v.kpi, "estimate_ci_low"], did.loc[v.kpi, "estimate_ci_high"])
        * did.loc[v.kpi, "n_treated"] * v.periods * v.value_per_unit
        for v in VALUES
    )  # fmt: skip
    assert roi.roi_low == pytest.approx((low - costs) / costs * 100)
    # Eight sites: exploratory, so the figures are a range, not a return to quote.
    assert not roi.determined and roi.undetermined_reason is not None
    assert ev.costs == COSTS and ev.kpi_values == VALUES
    assert ev.roi_notes == ("Costs of the one programme.",)


def test_the_planted_programme_moves_the_kpi_the_simulation_moved() -> None:
    # On-time delivery is the KPI the simulation moves at high-enrolment sites: its adjusted
    # estimate and benefit are positive, while the others are centred near zero.
    roi = _evaluation().roi
    assert roi is not None
    on_time = next(k for k in roi.kpis if k.kpi == ON_TIME)
    assert on_time.improvement_per_site > 0 and on_time.benefit > 0


def _with_verdicts(sites: int, verdicts: dict[str, str]) -> pd.DataFrame:
    did = _kpi_did().copy()
    did["n_clusters"] = sites
    did["verdict"] = [verdicts.get(str(k), "inconclusive") for k in did["kpi"]]
    return did


def test_a_return_is_stated_only_for_supported_kpis_on_enough_sites() -> None:
    # Phillips' principles 6 and 8: On-time delivery improved beyond chance on 12 sites, so
    # it alone counts; the valued Cost variance, not supported, adds nothing and is named.
    did = _with_verdicts(12, {ON_TIME: "improved"})
    roi, _, _ = programme_roi(did, VALUES, COSTS)
    assert roi is not None and roi.determined and roi.undetermined_reason is None
    assert [k.kpi for k in roi.kpis] == [ON_TIME]
    row = did.set_index("kpi").loc[ON_TIME]
    benefit = row["estimate"] * row["n_treated"] * 4.0 * 20_000.0
    assert roi.benefits == pytest.approx(benefit)
    assert roi.roi_percent == pytest.approx((benefit - COSTS.total) / COSTS.total * 100)
    assert any(COST_VARIANCE in n and "did not improve beyond chance" in n for n in roi.notes)


def test_no_supported_kpi_or_too_few_sites_leave_the_return_undetermined() -> None:
    unsupported, _, _ = programme_roi(_with_verdicts(12, {}), VALUES, COSTS)
    assert unsupported is not None and not unsupported.determined
    assert "improved beyond chance" in str(unsupported.undetermined_reason)
    # every valued KPI is kept for the range the intervals allow
    assert {k.kpi for k in unsupported.kpis} == {ON_TIME, COST_VARIANCE}
    few, _, _ = programme_roi(_with_verdicts(8, {ON_TIME: "improved"}), VALUES, COSTS)
    assert few is not None and not few.determined
    assert "8 sites, fewer than 10" in str(few.undetermined_reason)
    declined, _, _ = programme_roi(_with_verdicts(12, {ON_TIME: "declined"}), VALUES, COSTS)
    assert declined is not None and not declined.determined


def test_reaction_scores_reach_level_1_when_enough_people_answered() -> None:
    level = _evaluation().kirkpatrick[0]
    assert (level.level, level.evidence, level.measured) == (1, "reported", True)
    answered = np.array([4.0, 4.5, 3.5, 5.0])
    assert f"4 participants rated the programme: mean {answered.mean():.2f}" in level.detail
    assert f"SD {answered.std(ddof=1):.2f}" in level.detail


def test_reaction_from_fewer_people_than_the_minimum_is_not_shown() -> None:
    results = build_analysed_results()
    observer = results.person_scores.observer_means
    people = pd.DataFrame({"person_id": observer.index.astype(str), "site": "North"})
    enrolled = pd.DataFrame({"person_id": list(observer.index[:20].astype(str)), "completed": True})

    def level_1(reaction: tuple[float, ...], minimum: int) -> tuple[str, str]:
        ev = evaluate_programme(
            observer, observer, baseline_wave="a", follow_up_wave="b", people=people,
            enrolments=enrolled, composite_scales=LEADERSHIP_SCALES, reliability=0.9,
            reaction=reaction, reaction_minimum=minimum,
        )  # fmt: skip
        return ev.kirkpatrick[0].evidence, ev.kirkpatrick[0].detail

    evidence, detail = level_1((2.0, 5.0, np.nan), 3)
    assert evidence == "not shown"
    assert "Fewer than 3 participants" in detail and "3.50" not in detail
    assert level_1((2.0, 5.0, 3.0), 3)[0] == "reported"
    assert level_1((2.0, 5.0, 3.0), 5)[0] == "not shown"


def _kpi_did() -> pd.DataFrame:
    return _evaluation().kpi_did


def test_no_values_no_costs_or_mixed_currencies_give_no_roi_and_say_why() -> None:
    did = _kpi_did()
    assert programme_roi(did, (), COSTS) == (
        None, None, ("No money value per KPI unit has been entered.",),
    )  # fmt: skip
    assert programme_roi(did, VALUES, None) == (
        None, "GBP", ("No programme costs are recorded.",),
    )  # fmt: skip
    mixed = (VALUES[0], dataclasses.replace(VALUES[1], currency="EUR"))
    roi, currency, notes = programme_roi(did, mixed, COSTS)
    assert roi is None and currency is None
    assert "different currencies (EUR, GBP)" in notes[0]


def test_a_valued_kpi_without_an_isolated_change_adds_nothing_and_is_named() -> None:
    did = _kpi_did().copy()
    did.loc[did["kpi"] == COST_VARIANCE, "reason"] = "no comparison sites"
    roi, _, notes = programme_roi(did, VALUES, COSTS)
    assert roi is not None and [k.kpi for k in roi.kpis] == [ON_TIME]
    assert notes == (
        f"{COST_VARIANCE} has a value but no isolated change (no comparison sites), so it "
        "adds no benefit.",
    )
    only_unisolated = (VALUES[1],)
    roi, currency, notes = programme_roi(did, only_unisolated, COSTS)
    assert roi is None and currency == "GBP"
    assert "no return can be calculated yet" in notes[0]
    # without any KPI table (no periods before and after) there is nothing to value
    roi, _, notes = programme_roi(pd.DataFrame(), VALUES, COSTS)
    assert roi is None and len(notes) == 3
