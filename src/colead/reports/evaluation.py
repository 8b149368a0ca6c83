"""The programme evaluation report: did behaviours change, and did results follow?

Built from a follow-up wave's ``ReviewResults`` that carry a ``ProgrammeEvaluation``: a
short answer in plain words, Kirkpatrick's levels, behaviour change of enrolled against
not enrolled people (difference in differences with confidence intervals, drawn and
tabled), reliable change, contract KPIs by site before and after the programme, and what
can and cannot be concluded. Groups below the anonymity minimum show no values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from markupsafe import Markup

from colead.analysis.programme import ProgrammeEvaluation
from colead.analysis.results import ReviewResults
from colead.analysis.roi import RoiResult
from colead.reports.charts import Interval, IntervalPlot, render_chart
from colead.reports.outcome_sections import (
    change_table,
    conclusion,
    did_table,
    kirkpatrick_table,
    kpi_table,
    reliable_table,
)
from colead.reports.review import environment
from colead.reports.sections import (
    EXPLORATORY,
    MIN_SITES,
    Block,
    Section,
    caution,
    h3,
    p,
    period_range,
    records,
    scale_titles,
    signed,
    tab,
    with_ci,
)
from colead.reports.summary import programme_findings
from colead.reports.tables import Cell, Row, Table, suppressed_text, to_count, to_float

__all__ = ["evaluation_context", "evaluation_sections", "render_evaluation_html", "roi_section"]


def _titles(results: ReviewResults, ev: ProgrammeEvaluation) -> dict[str, str]:
    titles = scale_titles(results)
    titles[ev.composite] = f"{ev.composite.capitalize()} (mean of the practices)"
    return titles


def _n_sites(ev: ProgrammeEvaluation) -> int:
    return max((to_count(v) for v in ev.did["n_clusters"]), default=0)


def did_plot(ev: ProgrammeEvaluation, titles: dict[str, str], minimum: int) -> IntervalPlot:
    """The difference in differences of each measure, for groups the minimum allows."""
    rows = []
    for rec in records(ev.did):
        treated, control = to_count(rec.get("n_treated")), to_count(rec.get("n_control"))
        reason = rec.get("reason")
        if min(treated, control) < minimum or (isinstance(reason, str) and reason):
            continue
        measure = str(rec["measure"])
        rows.append(
            Interval(
                titles.get(measure, measure),
                to_float(rec["effect"]),
                to_float(rec["ci_low"]),
                to_float(rec["ci_high"]),
                f"{treated} vs {control} people",
            )
        )
    return IntervalPlot(
        "How much more enrolled people changed than others",
        tuple(rows),
        "Difference in change of the observer score, scale points",
    )


def kpi_site_table(ev: ProgrammeEvaluation, kpi: str, minimum: int) -> Table:
    """One KPI's mean before and after the programme at each site."""
    frame = ev.kpi_by_site[ev.kpi_by_site["kpi"] == kpi]
    rows = []
    for rec in records(frame):
        n = to_count(rec.get("n_people"))
        # A small site's enrolled share would say who was enrolled: show it only from the
        # anonymity minimum on; the KPI itself is the site's, not a person's.
        shown = (
            [
                Cell(str(n)),
                Cell(f"{to_float(rec['share_enrolled']):.0%}"),
                Cell("yes" if rec["treated"] else "no", kind="text"),
            ]
            if n >= minimum
            else [Cell(suppressed_text(minimum), span=3, kind="note")]
        )
        cells = (
            *shown,
            Cell(f"{to_float(rec['before']):.2f}"),
            Cell(f"{to_float(rec['after']):.2f}"),
            Cell(signed(rec.get("improvement"))),
        )
        rows.append(Row(str(rec["site"]), cells))
    columns = (
        "n people", "Enrolled share", "High enrolment", "Before", "After", "Change (+ = better)"
    )  # fmt: skip
    caption = (
        f"{kpi}: site means over {len(ev.pre_periods)} periods before "
        f"({period_range(ev.pre_periods)}) and {len(ev.post_periods)} after "
        f"({period_range(ev.post_periods)}), n people at the site"
    )
    return Table(caption, "Site", columns, tuple(rows), column_kinds=("num", "num", "text"))


def _short_answer(results: ReviewResults, ev: ProgrammeEvaluation) -> Section:
    blocks: list[Block] = [p(f.text) for f in programme_findings(results)]
    rci = {str(r["group"]): r for r in records(ev.reliable_change)}
    enrolled = rci.get("enrolled")
    n = to_count(enrolled.get("n")) if enrolled else 0
    if enrolled and n >= results.anonymity_minimum:
        improved = to_count(enrolled.get("improved"))
        blocks.append(
            p(
                f"{improved} of {n} enrolled people improved by more than measurement error "
                f"on their {ev.composite} score."
            )
        )
    kpis = records(ev.kpi_did)
    estimable = [r for r in kpis if not (isinstance(r.get("reason"), str) and r["reason"])]
    better = [r for r in estimable if to_float(r["ci_low"]) > 0]
    if estimable:
        names = ", ".join(str(r["kpi"]) for r in better) or "none"
        blocks.append(
            p(
                f"Contract KPIs: {len(better)} of {len(estimable)} improved more at sites with "
                f"many enrolled people than elsewhere, beyond chance ({names})."
            )
        )
        if _n_sites(ev) < MIN_SITES:
            blocks.append(caution(EXPLORATORY))
    roi = ev.roi
    if roi is not None and roi.roi_percent is not None:
        span = (
            f" (from {_percent(roi.roi_low)} to {_percent(roi.roi_high)} across the KPIs' "
            "confidence intervals)"
            if roi.has_interval
            else ""
        )
        blocks.append(
            p(
                f"Return on investment: {_percent(roi.roi_percent)}{span}, from "
                f"{_money(roi.benefits, ev.roi_currency)} of monetised benefits against "
                f"{_money(roi.costs, ev.roi_currency)} of costs."
            )
        )
    if not blocks:
        blocks.append(p("Too few people took part for an answer that keeps raters anonymous."))
    return Section("answer", "The short answer", "Short answer", tuple(blocks))


# ---------------------------------------------------------------------------- ROI


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
        "confidence intervals",
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
        improvement = with_ci(
            k.improvement_per_site, rec.get("ci_low"), rec.get("ci_high"), sign=True
        )
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
        *_roi_tables(ev, roi),
        *(p(note) for note in (*roi.notes, *ev.roi_notes)),
        h3("What the return can and cannot tell"),
        p(
            "The range reflects the uncertainty of the KPI changes only: the values per unit, "
            "the periods counted and the costs are taken as stated, and their own uncertainty "
            "is not included. Benefits count only the KPIs with a stated value over the stated "
            "periods; intangible benefits (trust between the organisations, fewer escalations, "
            "people staying) are not monetised, so they are left out rather than guessed. The "
            "isolation rests on the assumption that high- and low-enrolment sites would have "
            "moved alike without the programme."
            + (
                f" With {n_sites} sites, treat the return as exploratory."
                if n_sites < MIN_SITES
                else ""
            )
        ),
    ]
    return Section("roi", title, nav, tuple(blocks))


def evaluation_sections(results: ReviewResults) -> tuple[Section, ...]:
    """The report's sections, in page order."""
    ev = results.evaluation
    if ev is None:
        raise ValueError("these results carry no programme evaluation")
    minimum = results.anonymity_minimum
    titles = _titles(results, ev)
    plot = did_plot(ev, titles, minimum)
    behaviour = (
        p(
            f"{ev.n_enrolled} people were enrolled ({ev.n_completed} completed the programme). "
            f"Their observer scores at {ev.baseline_wave} and {ev.follow_up_wave} are compared "
            "with those of people not enrolled: the difference in differences is how much more "
            "the enrolled people changed, with a 95% confidence interval that allows for "
            "people working at the same site."
        ),
        Block(
            "figure",
            "Dots: difference in differences; lines: 95% confidence intervals; the dashed "
            "line is no difference.",
            svg=Markup(render_chart(plot, chart_id="chart-did")),
        ),
        tab(did_table(ev, titles, minimum)),
        h3("Scores before and after"),
        tab(change_table(ev, titles, minimum)),
    )
    reliable = (
        p(
            f"A person's change counts as reliable when it is larger than measurement error "
            f"(Jacobson & Truax 1991; reliability {ev.reliability:.2f}). Changes within the "
            "error are shown as no reliable change."
        ),
        tab(reliable_table(ev, minimum)),
    )
    outcome: list[Block] = []
    if ev.kpi_did.empty:
        outcome.append(
            p(
                "No KPI values cover both the periods before the programme started and after "
                "it ended, so results (level 4) cannot be evaluated yet."
            )
        )
    else:
        outcome += [
            p(
                f"Sites where at least {ev.site_threshold:.0%} of people were enrolled are "
                "compared with the other sites, each KPI's change from before to after the "
                "programme. Positive = better for every KPI."
            ),
            tab(kpi_table(ev)),
            h3("Each site before and after"),
        ]
        for kpi in dict.fromkeys(ev.kpi_by_site["kpi"].astype(str)):
            outcome.append(tab(kpi_site_table(ev, kpi, minimum)))
    n_sites = _n_sites(ev)
    return (
        _short_answer(results, ev),
        Section("levels", "Level by level", "Levels", (tab(kirkpatrick_table(ev)),)),
        Section("behaviour", "Behaviour: what others see", "Behaviour", behaviour),
        Section("reliable", "Reliable change of each person", "Reliable change", reliable),
        Section("results", "Results: contract KPIs", "Results", tuple(outcome)),
        roi_section(results),
        Section(
            "conclusions",
            "What can and cannot be concluded",
            "Conclusions",
            (p(conclusion(n_sites)),),
        ),
    )


def evaluation_context(results: ReviewResults, generated_at: str) -> dict[str, Any]:
    """Everything the template shows."""
    ev = results.evaluation
    if ev is None:
        raise ValueError("these results carry no programme evaluation")
    return {
        "r": results,
        "ev": ev,
        "generated_at": generated_at,
        "minimum": results.anonymity_minimum,
        "sections": evaluation_sections(results),
        "n_people": int(np.sum(ev.reliable_change["n"])) if not ev.reliable_change.empty else 0,
    }


def render_evaluation_html(results: ReviewResults, *, generated_at: str | None = None) -> str:
    """Render the programme evaluation report as one self-contained HTML page.

    Parameters
    ----------
    results
        The follow-up wave's results, with ``evaluation`` set.
    generated_at
        Text for the generation date; the current UTC time when ``None``.
    """
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = environment().get_template("evaluation.html.j2")
    return template.render(**evaluation_context(results, stamp))
