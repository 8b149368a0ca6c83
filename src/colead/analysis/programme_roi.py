"""Phillips' return on investment of a development programme, from its evaluation.

:func:`programme_roi` turns the level-4 table of :func:`colead.analysis.programme.
evaluate_programme` into a :class:`colead.analysis.roi.RoiResult` under Phillips'
conservative standards: benefits use the baseline-adjusted KPI effects; only a KPI whose
improvement survives Holm's adjustment counts (guiding principles 6 and 8: no evidence of
improvement is counted as none, unsupported claims are left out); and a single ROI figure
is given only when that evidence rests on enough sites. Otherwise the result says the
return cannot be determined and keeps the range the intervals allow.

References
----------
Phillips, J. J. (2003). *Return on Investment in Training and Performance Improvement
Programs* (2nd ed.), ch. 1 (the twelve guiding principles) and ch. 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from colead.analysis.kirkpatrick import MIN_SITES
from colead.analysis.roi import (
    SITE_DID_METHOD,
    KpiValuation,
    ProgrammeCosts,
    RoiResult,
    phillips_roi,
    valuations_from_kpi_did,
)

__all__ = ["ADJUSTED_SITE_METHOD", "UnitValue", "programme_roi"]

#: The isolation step of the evaluation's level-4 estimates.
ADJUSTED_SITE_METHOD = (
    f"{SITE_DID_METHOD}, adjusted for each site's KPI before the programme (ANCOVA)"
)


@dataclass(frozen=True)
class UnitValue:
    """What one unit of a KPI is worth in money, as the user states it (Phillips 2003, ch. 5).

    ``periods`` is how many KPI periods of benefit are counted (4 quarters: the first year).
    """

    kpi: str
    value_per_unit: float
    currency: str = "GBP"
    periods: float = 1.0
    source: str | None = None


def programme_roi(
    kpi_did: pd.DataFrame,
    kpi_values: Sequence[UnitValue],
    costs: ProgrammeCosts | None,
    *,
    min_sites: int = MIN_SITES,
) -> tuple[RoiResult | None, str | None, tuple[str, ...]]:
    """Phillips' ROI from the isolated KPI changes of ``kpi_did``, with notes.

    Returns the result (None when it cannot be calculated at all), its currency and what
    the reader needs to know: why there is no ROI, or which valued KPIs were left out.
    Each KPI's benefit is ``estimate × treated sites × periods × value per unit``, with the
    baseline-adjusted ``estimate`` when the table has one (:data:`ADJUSTED_SITE_METHOD`),
    and the costs are taken as they are (Phillips 2003, ch. 8). Costs carry no currency of
    their own: they are read in the KPI values' currency, and values in several currencies
    are not added up.

    The headline follows Phillips' conservative standards. The result is ``determined``
    only when at least one valued KPI's ``verdict`` is ``improved`` (after Holm's
    adjustment) and the estimates rest on ``min_sites`` sites or more; its benefits then
    count those KPIs alone. Otherwise ``determined`` is False, ``undetermined_reason`` says
    why, and the figures are the range across every valued KPI's interval, not a return to
    quote.
    """
    if not kpi_values:
        return None, None, ("No money value per KPI unit has been entered.",)
    currencies = sorted({v.currency for v in kpi_values})
    if len(currencies) > 1:
        return (
            None,
            None,
            (
                f"The KPI values are in different currencies ({', '.join(currencies)}); "
                "state them all in one currency to calculate a return.",
            ),
        )
    if costs is None:
        return None, currencies[0], ("No programme costs are recorded.",)
    valued = {v.kpi: v for v in kpi_values}
    valuations = (
        valuations_from_kpi_did(
            _estimates(kpi_did),
            {k: v.value_per_unit for k, v in valued.items()},
            {k: v.periods for k, v in valued.items()},
        )
        if not kpi_did.empty
        else ()
    )
    notes = []
    isolated = {v.kpi for v in valuations}
    reasons = (
        {str(r["kpi"]): r.get("reason") for r in kpi_did.to_dict("records")}
        if not kpi_did.empty
        else {}
    )
    for name in valued:
        if name in isolated:
            continue
        reason = reasons.get(name)
        why = reason if isinstance(reason, str) and reason else "no KPI values before and after"
        notes.append(f"{name} has a value but no isolated change ({why}), so it adds no benefit.")
    if not valuations:
        return (
            None,
            currencies[0],
            (
                "None of the KPIs with a money value has a change isolated from other influences, "
                "so no return can be calculated yet.",
                *notes,
            ),
        )
    method = ADJUSTED_SITE_METHOD if "estimate" in kpi_did.columns else SITE_DID_METHOD
    return _headline(kpi_did, valuations, costs, method, min_sites), currencies[0], tuple(notes)


def _estimates(kpi_did: pd.DataFrame) -> pd.DataFrame:
    """The table with each KPI's primary estimate in the columns the valuation reads."""
    if "estimate" not in kpi_did.columns:
        return kpi_did
    table = kpi_did.drop(columns=["effect", "ci_low", "ci_high"])
    table = table.rename(
        columns={"estimate": "effect", "estimate_ci_low": "ci_low", "estimate_ci_high": "ci_high"}
    )
    return table


def _headline(
    kpi_did: pd.DataFrame,
    valuations: Sequence[KpiValuation],
    costs: ProgrammeCosts,
    method: str,
    min_sites: int,
) -> RoiResult:
    verdicts = (
        dict(zip(kpi_did["kpi"].astype(str), kpi_did["verdict"].astype(str), strict=True))
        if "verdict" in kpi_did.columns
        else {}
    )
    sites = int(pd.to_numeric(kpi_did["n_clusters"], errors="coerce").fillna(0).max())
    supported = [v for v in valuations if verdicts.get(v.kpi) == "improved"]
    if supported and sites >= min_sites:
        result = phillips_roi(supported, costs, method)
        left_out = [v.kpi for v in valuations if v not in supported]
        if left_out:
            adds = "it adds" if len(left_out) == 1 else "they add"
            note = (
                f"{', '.join(left_out)} did not improve beyond chance, so {adds} no benefit: "
                "a change the data cannot show is counted as none (Phillips' guiding "
                "principles 6 and 8)."
            )
            result = replace(result, notes=(*result.notes, note))
        return result
    result = phillips_roi(valuations, costs, method)
    if not supported:
        why = (
            "no KPI with a money value improved beyond chance after Holm's adjustment, "
            "and Phillips' standards count an improvement the data cannot show as none"
        )
    else:
        why = (
            f"the KPI estimates rest on {sites} sites, fewer than {min_sites}: they are "
            "exploratory, not evidence a return can be claimed on"
        )
    return replace(result, determined=False, undetermined_reason=why)
