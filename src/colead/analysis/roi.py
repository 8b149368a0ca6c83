"""Return on investment of a development programme (Phillips level 5).

Business-impact changes that have been isolated from other influences (level 4) are turned
into money with a value per KPI unit the user states, summed over KPIs, and compared with
the fully loaded programme costs. Nothing here estimates the isolated change itself: that is
the job of :mod:`colead.analysis.evaluation` (difference in differences against comparison
sites), and the method used is carried through so that every ROI says how it was isolated.

References
----------
Phillips, J. J. (2003). *Return on Investment in Training and Performance Improvement
Programs* (2nd ed.). Butterworth-Heinemann. Chapters 4 (isolation), 5 (converting data to
monetary values), 7 (costs) and 8 (calculating the ROI).
Phillips, P. P., & Phillips, J. J. (2005). *Return on Investment (ROI) Basics*. ASTD Press.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "KpiBenefit",
    "KpiValuation",
    "ProgrammeCosts",
    "RoiResult",
    "phillips_roi",
    "valuations_from_kpi_did",
]

#: The isolation method of :func:`colead.analysis.programme.evaluate_programme`'s KPI table.
SITE_DID_METHOD = "difference in differences against sites without enrolled staff"


@dataclass(frozen=True)
class KpiValuation:
    """One KPI's isolated improvement and what a unit of it is worth.

    ``improvement_per_site`` is in KPI units per period, signed so that positive is better
    (for a KPI where lower is better, a fall of 2 is an improvement of +2). ``ci`` is its
    confidence interval, same sign convention, when the isolation method gives one.
    ``sites`` is the number of sites the improvement applies to and ``periods`` the number of
    periods of benefit counted (e.g. 4 quarters for a first-year benefit). ``attribution``
    is the share of the improvement credited to the programme when the isolation is an
    estimate (Phillips' contribution × confidence adjustment); 1 when a comparison group
    already isolates it.
    """

    kpi: str
    improvement_per_site: float
    value_per_unit: float
    sites: int
    periods: float = 1.0
    ci: tuple[float, float] | None = None
    attribution: float = 1.0

    def __post_init__(self) -> None:
        if self.sites < 0:
            raise ValueError(f"{self.kpi}: sites must not be negative, got {self.sites}")
        if self.periods < 0:
            raise ValueError(f"{self.kpi}: periods must not be negative, got {self.periods}")
        if self.value_per_unit < 0:
            raise ValueError(
                f"{self.kpi}: value per unit must not be negative, got {self.value_per_unit}"
            )
        if not 0.0 <= self.attribution <= 1.0:
            raise ValueError(f"{self.kpi}: attribution must be in [0, 1], got {self.attribution}")
        if self.ci is not None and self.ci[0] > self.ci[1]:
            raise ValueError(f"{self.kpi}: confidence interval ends are in the wrong order")

    def money(self, improvement: float) -> float:
        """Monetary benefit of an improvement per site of ``improvement`` units."""
        return improvement * self.value_per_unit * self.sites * self.periods * self.attribution


@dataclass(frozen=True)
class ProgrammeCosts:
    """Fully loaded programme costs: a cost per participant and the costs not tied to one
    (design, venue, evaluation, participants' time if the user counts it there)."""

    cost_per_participant: float
    participants: int
    other_costs: float = 0.0

    def __post_init__(self) -> None:
        if self.cost_per_participant < 0 or self.other_costs < 0:
            raise ValueError("programme costs must not be negative")
        if self.participants < 0:
            raise ValueError("the number of participants must not be negative")

    @property
    def total(self) -> float:
        return self.cost_per_participant * self.participants + self.other_costs


@dataclass(frozen=True)
class KpiBenefit:
    """One KPI's monetary benefit; ``low``/``high`` at the ends of its CI (None without)."""

    kpi: str
    improvement_per_site: float
    value_per_unit: float
    sites: int
    periods: float
    attribution: float
    benefit: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class RoiResult:
    """Phillips level 5: benefits, costs, net benefit, BCR and ROI %.

    ``roi_low``/``roi_high`` (and the BCR and benefit ends) are the ROI with every KPI that
    has a confidence interval set to the lower, then the upper end of it; KPIs without one
    stay at their point value. They are None when no KPI has an interval. ``bcr`` and the ROI
    figures are None when the costs are zero (a ratio to nothing is not a return).
    """

    isolation_method: str
    benefits: float
    costs: float
    net_benefit: float
    bcr: float | None
    roi_percent: float | None
    kpis: tuple[KpiBenefit, ...]
    benefits_low: float | None
    benefits_high: float | None
    bcr_low: float | None
    bcr_high: float | None
    roi_low: float | None
    roi_high: float | None
    notes: tuple[str, ...]
    #: False when the evidence does not support a benefit: the figures are then a range
    #: to show, not a return to quote (see :func:`colead.analysis.programme_roi.programme_roi`)
    determined: bool = True
    undetermined_reason: str | None = None

    @property
    def has_interval(self) -> bool:
        return self.roi_low is not None


def _ratio(benefits: float, costs: float) -> tuple[float | None, float | None]:
    if costs <= 0:
        return None, None
    return benefits / costs, (benefits - costs) / costs * 100.0


def phillips_roi(
    valuations: Sequence[KpiValuation], costs: ProgrammeCosts, isolation_method: str
) -> RoiResult:
    r"""Benefit–cost ratio and ROI of a programme from isolated, monetised KPI changes.

    .. math::

        B = \sum_k \Delta_k \, v_k \, s_k \, t_k \, a_k, \qquad
        C = c_p \, n + c_o, \qquad
        \mathrm{BCR} = B / C, \qquad
        \mathrm{ROI\,\%} = (B - C) / C \times 100

    with :math:`\Delta_k` the isolated improvement per site of KPI *k*, :math:`v_k` the
    value of one unit, :math:`s_k` the sites, :math:`t_k` the periods counted and
    :math:`a_k` the share attributed; :math:`c_p` the cost per participant, *n* the
    participants and :math:`c_o` the other costs. Note ROI % = (BCR − 1) × 100, so a BCR of
    3:1 is an ROI of 200 %, not 300 % (Phillips & Phillips 2005, ch. 1).

    Parameters
    ----------
    valuations
        One entry per KPI; may be empty (no monetised benefit, ROI −100 %).
    costs
        Fully loaded programme costs.
    isolation_method
        How the programme's effect was separated from other influences, stated in the
        result, e.g. :data:`SITE_DID_METHOD`. Required: Phillips' guiding principles make an
        ROI without a stated isolation step not credible.

    References
    ----------
    Phillips (2003), ch. 8; Phillips & Phillips (2005), ch. 1 (BCR $60,000 / $20,000 = 3:1,
    ROI 200 %).
    """
    if not isolation_method.strip():
        raise ValueError("state how the programme's effect was isolated")
    rows = []
    for v in valuations:
        low = high = None
        if v.ci is not None:
            ends = (v.money(v.ci[0]), v.money(v.ci[1]))
            low, high = min(ends), max(ends)
        rows.append(
            KpiBenefit(
                kpi=v.kpi,
                improvement_per_site=v.improvement_per_site,
                value_per_unit=v.value_per_unit,
                sites=v.sites,
                periods=v.periods,
                attribution=v.attribution,
                benefit=v.money(v.improvement_per_site),
                low=low,
                high=high,
            )
        )
    benefits = math.fsum(r.benefit for r in rows)
    total = costs.total
    bcr, roi = _ratio(benefits, total)
    notes: list[str] = []
    with_ci = [r for r in rows if r.low is not None]
    benefits_low = benefits_high = bcr_low = bcr_high = roi_low = roi_high = None
    if with_ci:
        benefits_low = math.fsum(r.low if r.low is not None else r.benefit for r in rows)
        benefits_high = math.fsum(r.high if r.high is not None else r.benefit for r in rows)
        bcr_low, roi_low = _ratio(benefits_low, total)
        bcr_high, roi_high = _ratio(benefits_high, total)
        if roi_low is not None and roi_high is not None and roi_low < 0 < roi_high:
            notes.append(
                "The confidence interval of the return includes a loss: the data cannot "
                "show that the programme paid for itself."
            )
    if len(with_ci) < len(rows):
        missing = ", ".join(r.kpi for r in rows if r.low is None)
        notes.append(f"No confidence interval for {missing}: counted at its point value.")
    if total <= 0:
        notes.append("The programme has no recorded costs, so no ratio or return is given.")
    if not rows:
        notes.append("No KPI was converted to money, so the benefits are zero.")
    return RoiResult(
        isolation_method=isolation_method,
        benefits=benefits,
        costs=total,
        net_benefit=benefits - total,
        bcr=bcr,
        roi_percent=roi,
        kpis=tuple(rows),
        benefits_low=benefits_low,
        benefits_high=benefits_high,
        bcr_low=bcr_low,
        bcr_high=bcr_high,
        roi_low=roi_low,
        roi_high=roi_high,
        notes=tuple(notes),
    )


def valuations_from_kpi_did(
    kpi_did: pd.DataFrame,
    values_per_unit: Mapping[str, float],
    periods: Mapping[str, float] | float = 1.0,
) -> tuple[KpiValuation, ...]:
    """KPI valuations from the ``kpi_did`` table of ``evaluate_programme``.

    Each KPI with a value per unit and an estimable effect (``reason`` empty) becomes one
    valuation: the difference-in-differences ``effect`` (already positive = better) and its
    CI, applied to the ``n_treated`` sites. KPIs without a stated value are left out, since
    a monetary value is the user's statement, never a guess. ``periods`` is one number for
    all KPIs or one per KPI (missing KPIs count one period).
    """
    out = []
    for row in kpi_did.itertuples(index=False):
        name = str(row.kpi)
        if name not in values_per_unit:
            continue
        reason = getattr(row, "reason", None)
        if isinstance(reason, str) and reason:
            continue
        effect = float(row.effect)
        if math.isnan(effect):
            continue
        low, high = float(row.ci_low), float(row.ci_high)
        ci = None if math.isnan(low) or math.isnan(high) else (low, high)
        span = periods if isinstance(periods, int | float) else periods.get(name, 1.0)
        out.append(
            KpiValuation(
                kpi=name,
                improvement_per_site=effect,
                value_per_unit=float(values_per_unit[name]),
                sites=int(row.n_treated),
                periods=float(span),
                ci=ci,
            )
        )
    return tuple(out)
