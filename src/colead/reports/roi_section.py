"""Phillips level 5 in the evaluation report: the return on investment, or why there is none.

The figures come from :func:`colead.analysis.programme_roi.programme_roi`. A return is
headlined only when the result is ``determined``: the KPI evidence supports a benefit on
enough sites. Otherwise the report says the return cannot be determined and shows the range
the KPIs' intervals allow, labelled as a range, never as a figure to quote.
"""

from __future__ import annotations

import numpy as np

from colead.analysis.programme import ProgrammeEvaluation
from colead.analysis.results import ReviewResults
from colead.analysis.roi import RoiResult
from colead.reports.sections import (
    EXPLORATORY,
    MIN_SITES,
    Block,
    Section,
    caution,
    h3,
    p,
    records,
    tab,
    with_ci,
)
from colead.reports.tables import Cell, Row, Table, to_count

__all__ = ["roi_headline", "roi_section"]


def roi_headline(ev: ProgrammeEvaluation) -> str | None:
    """The one sentence the short answer and the terminal give about the return."""
    roi = ev.roi
    if roi is None or roi.roi_percent is None:
        return None
    span = (
        f"from {_percent(roi.roi_low)} to {_percent(roi.roi_high)}"
        if roi.has_interval
        else "no interval"
    )
    if not roi.determined:
        return (
            f"Return on investment: cannot be determined, because {roi.undetermined_reason}. "
            f"Across the KPIs' confidence intervals it could lie anywhere {span}."
        )
    return (
        f"Return on investment: {_percent(roi.roi_percent)} ({span} across the KPIs' "
        f"confidence intervals), from {_money(roi.benefits, ev.roi_currency)} of monetised "
        f"benefits against {_money(roi.costs, ev.roi_currency)} of costs."
    )


def _n_sites(ev: ProgrammeEvaluation) -> int:
    """Sites behind the KPI estimates the return rests on, or behind the behaviour
    estimates when there is no KPI table."""
    frame = ev.kpi_did if not ev.kpi_did.empty else ev.did
    return max((to_count(v) for v in frame.get("n_clusters", [])), default=0)


def _money(value: float | None, currency: str | None) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{currency or ''} {value:,.0f}".strip()


def _percent(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.0f}%"


def _ratio(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.2f} : 1"


def _range(low: str, high: str) -> str:
    return "–" if "–" in (low, high) else f"{low} to {high}"


def _roi_tables(ev: ProgrammeEvaluation, roi: RoiResult) -> list[Block]:
    currency = ev.roi_currency

    def money(value: float | None) -> str:
        return _money(value, currency)

    def net(benefits: float | None) -> str:
        return money(None if benefits is None else benefits - roi.costs)

    summary = (
        ("Benefits", money(roi.benefits), money(roi.benefits_low), money(roi.benefits_high)),
        ("Fully loaded costs", money(roi.costs), "–", "–"),
        ("Net benefit", money(roi.net_benefit), net(roi.benefits_low), net(roi.benefits_high)),
        ("Benefit–cost ratio (BCR)", _ratio(roi.bcr), _ratio(roi.bcr_low), _ratio(roi.bcr_high)),
        (
            "Return on investment (ROI)",
            _percent(roi.roi_percent),
            _percent(roi.roi_low),
            _percent(roi.roi_high),
        ),
    )
    headline = Table(
        f"Return on investment ({currency}): point value and range from the KPIs' 95% "
        "confidence intervals" + ("" if roi.determined else " (not a return to quote: see above)"),
        "Measure",
        ("Value", "Range"),
        tuple(
            Row(name, (Cell(value), Cell(_range(low, high)))) for name, value, low, high in summary
        ),
    )
    values = {v.kpi: v for v in ev.kpi_values}
    did = {str(r["kpi"]): r for r in records(ev.kpi_did)}
    rows = []
    for k in roi.kpis:
        rec = did.get(k.kpi, {})
        source = values[k.kpi].source if k.kpi in values else None
        low, high = (
            (rec.get("estimate_ci_low"), rec.get("estimate_ci_high"))
            if "estimate_ci_low" in rec
            else (rec.get("ci_low"), rec.get("ci_high"))
        )
        improvement = with_ci(k.improvement_per_site, low, high, sign=True)
        cells = (
            Cell(improvement),
            Cell(f"{currency} {k.value_per_unit:,.2f}"),
            Cell(str(k.sites)),
            Cell(f"{k.periods:g}"),
            Cell(money(k.benefit)),
            Cell(_range(money(k.low), money(k.high))),
            Cell(source or "not stated", kind="text"),
        )
        rows.append(Row(k.kpi, cells))
    benefits = Table(
        "Benefits per KPI: improvement per site × sites × periods × value per unit",
        "KPI",
        (
            "Improvement per site [95% CI]", "Value per unit", "Sites", "Periods", "Benefit",
            "Benefit range", "Source of the value",
        ),
        tuple(rows),
        column_kinds=("num", "num", "num", "num", "num", "num", "text"),
    )  # fmt: skip
    costs = ev.costs
    cost_rows = []
    if costs is not None:
        per_participant = f"{money(costs.cost_per_participant)} × {costs.participants} enrolled"
        cost_rows = [
            Row(
                "Per participant",
                (
                    Cell(per_participant, kind="text"),
                    Cell(money(costs.cost_per_participant * costs.participants)),
                ),
            ),
            Row(
                "Other costs",
                (Cell("not tied to a participant", kind="text"), Cell(money(costs.other_costs))),
            ),
            Row("Fully loaded costs", (Cell("total", kind="text"), Cell(money(costs.total)))),
        ]
    cost_table = Table(
        f"Fully loaded programme costs ({currency})",
        "Cost",
        ("How", "Amount"),
        tuple(cost_rows),
        column_kinds=("text", "num"),
    )
    return [tab(headline), h3("Benefits per KPI"), tab(benefits), h3("Costs"), tab(cost_table)]


def _how_to_enter(review: str, ev: ProgrammeEvaluation) -> Block:
    isolated = [
        str(r["kpi"])
        for r in records(ev.kpi_did)
        if not (isinstance(r.get("reason"), str) and r["reason"])
    ]
    which = (
        f" KPIs whose change was isolated: {'; '.join(isolated)}."
        if isolated
        else " No KPI has an isolated change yet, so a return cannot be calculated even with "
        "values."
    )
    return p(
        "To calculate a return on investment, state what one unit of a KPI is worth, on the "
        "console's evaluation page or with "
        f'colead roi value set --review "{review}" --kpi "KPI" --value V '
        "--currency GBP --periods 4 "
        "(periods: how many KPI periods of benefit to count, e.g. 4 quarters for the first "
        "year). Programme costs come from the programmes (cost per participant and other "
        "costs)." + which
    )


def roi_section(results: ReviewResults) -> Section:
    """Phillips level 5: monetised benefits against fully loaded costs, or how to get there."""
    ev = results.evaluation
    if ev is None:
        raise ValueError("these results carry no programme evaluation")
    title, nav = "Return on investment (Phillips level 5)", "Return on investment"
    roi = ev.roi
    if roi is None:
        why = [p(note) for note in ev.roi_notes] or [p("No return on investment was calculated.")]
        return Section("roi", title, nav, (*why, _how_to_enter(results.review, ev)))
    blocks: list[Block] = []
    n_sites = _n_sites(ev)
    if n_sites < MIN_SITES:
        blocks.append(caution(EXPLORATORY))
    if not roi.determined:
        blocks.append(
            caution(
                f"The return cannot be determined: {roi.undetermined_reason}. The figures "
                "below show what the KPIs' intervals allow, every valued KPI counted; they "
                "are a range for discussion, not a return to quote."
            )
        )
    blocks += [
        p(
            "Each valued KPI's change, isolated from other influences, is turned into money "
            "and set against the fully loaded programme costs: benefit–cost ratio (BCR) = "
            "benefits ÷ costs, ROI = (benefits − costs) ÷ costs × 100 (Phillips 2003, ch. 8; "
            "a BCR of 3 : 1 is an ROI of 200%). "
            f"Isolation method: {roi.isolation_method} (sites where at least "
            f"{ev.site_threshold:.0%} of people were enrolled against the others, before and "
            "after the programme)."
        ),
        p(
            "Rule for the headline, after Phillips' conservative standards (2003, ch. 1, "
            "guiding principles 4, 6 and 8): a single return is stated only when at least one "
            "KPI with a money value improved beyond chance after Holm's adjustment, on "
            f"{MIN_SITES} sites or more; only such KPIs count as benefits, at their "
            "baseline-adjusted estimate; otherwise the return is reported as not determined, "
            "with its range."
        ),
        *_roi_tables(ev, roi),
        *(p(note) for note in (*roi.notes, *ev.roi_notes)),
        h3("What the return can and cannot tell"),
        p(
            "The range reflects the uncertainty of the KPI changes only: the values per unit, "
            "the periods counted and the costs are taken as stated, and their own uncertainty "
            "is not included. Benefits count only the KPIs with a stated value over the stated "
            "periods; intangible benefits (trust between the organisations, fewer escalations, "
            "people staying) are not monetised, so they are left out rather than guessed. The "
            "isolation rests on the assumption that high- and low-enrolment sites with the "
            "same KPI before the programme would have moved alike without it."
            + (
                f" With {n_sites} sites, treat the return as exploratory."
                if n_sites < MIN_SITES
                else ""
            )
        ),
    ]
    return Section("roi", title, nav, tuple(blocks))
