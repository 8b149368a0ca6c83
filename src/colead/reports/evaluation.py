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
from colead.reports.application_section import application_section, application_sentence
from colead.reports.charts import Interval, IntervalPlot, render_chart
from colead.reports.outcome_sections import (
    BASELINE_RULE,
    KPI_RULE,
    change_table,
    conclusion,
    did_table,
    kirkpatrick_table,
    kpi_table,
    reliable_table,
)
from colead.reports.review import environment
from colead.reports.roi_section import roi_headline, roi_section
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
)
from colead.reports.summary import programme_findings
from colead.reports.tables import Cell, Row, Table, suppressed_text, to_count, to_float

__all__ = ["evaluation_context", "evaluation_sections", "render_evaluation_html"]


def _titles(results: ReviewResults, ev: ProgrammeEvaluation) -> dict[str, str]:
    titles = scale_titles(results)
    titles[ev.composite] = f"{ev.composite.capitalize()} (mean of the practices)"
    return titles


def did_plot(ev: ProgrammeEvaluation, titles: dict[str, str], minimum: int) -> IntervalPlot:
    """The programme effect on each measure, adjusted for the baseline score where it could
    be estimated (else the difference in differences), for groups the minimum allows."""
    rows = []
    for rec in records(ev.did):
        treated, control = to_count(rec.get("n_treated")), to_count(rec.get("n_control"))
        reason = rec.get("reason")
        if min(treated, control) < minimum or (isinstance(reason, str) and reason):
            continue
        measure = str(rec["measure"])
        prefix = "" if _has_text(rec.get("adjusted_reason")) else "adjusted_"
        if not np.isfinite(to_float(rec.get(f"{prefix}effect"))):
            prefix = ""
        rows.append(
            Interval(
                titles.get(measure, measure),
                to_float(rec[f"{prefix}effect"]),
                to_float(rec[f"{prefix}ci_low"]),
                to_float(rec[f"{prefix}ci_high"]),
                f"{treated} vs {control} people",
            )
        )
    return IntervalPlot(
        "How much more enrolled people improved than comparable others",
        tuple(rows),
        "Effect at the same starting score, scale points",
    )


def _has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


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
    kpis = [r for r in records(ev.kpi_did) if str(r.get("verdict")) != "not estimable"]
    if kpis:
        named = "; ".join(
            f"{r['kpi']}: {r.get('verdict')} ({signed(r.get('estimate'))})" for r in kpis
        )
        improved_kpis = sum(str(r.get("verdict")) == "improved" for r in kpis)
        blocks.append(
            p(
                f"Contract KPIs at sites with many enrolled people, against the other sites "
                f"and allowing for where each site started: {improved_kpis} of {len(kpis)} "
                f"improved beyond chance after adjusting for testing {len(kpis)} KPIs at "
                f"once. {named} (positive = better)."
            )
        )
        if _n_sites(ev) < MIN_SITES:
            blocks.append(caution(EXPLORATORY))
    applied = application_sentence(ev)
    if applied:
        blocks.append(p(applied))
    headline = roi_headline(ev)
    if headline:
        blocks.append(p(headline))
    if not blocks:
        blocks.append(p("Too few people took part for an answer that keeps raters anonymous."))
    return Section("answer", "The short answer", "Short answer", tuple(blocks))


def _n_sites(ev: ProgrammeEvaluation) -> int:
    """Sites behind the KPI estimates, or behind the behaviour estimates without KPIs."""
    frame = ev.kpi_did if not ev.kpi_did.empty else ev.did
    return max((to_count(v) for v in frame.get("n_clusters", [])), default=0)


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
            "with those of people not enrolled, with 95% confidence intervals that allow for "
            "people working at the same site."
        ),
        p(BASELINE_RULE),
        Block(
            "figure",
            "Dots: programme effect adjusted for the starting score; lines: 95% confidence "
            "intervals; the dashed line is no difference.",
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
                "programme, and adjusted for the KPI's level before it (ANCOVA over sites): "
                "sites that started worst tend to improve most even without a programme. "
                "Positive = better for every KPI."
            ),
            p(KPI_RULE),
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
        *application_section(results),
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
