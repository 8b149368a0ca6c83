"""Sections of the review report on contract results and the development programme.

Like :mod:`sections`, each builder returns a ``Section`` of ready strings, or ``None`` when the
wave has no such result. Site-level results rest on few sites in most relationships, so both
sections say plainly what can and cannot be concluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from colead.analysis.programme import ProgrammeEvaluation
from colead.analysis.results import ReviewResults
from colead.reports.chart_specs import QuadrantPoint, ScatterPlot, format_score
from colead.reports.charts import render_chart
from colead.reports.sections import (
    EXPLORATORY,
    MIN_SITES,
    Block,
    Section,
    caution,
    h3,
    note_row,
    p,
    p_value,
    period_range,
    records,
    scale_titles,
    share,
    signed,
    tab,
    with_ci,
)
from colead.reports.tables import Cell, Row, Table, suppressed_text, to_count, to_float

#: Why and how the behaviour effect is adjusted for the baseline score.
BASELINE_RULE = (
    "The programme cohort was chosen among people with low baseline scores. Part of a low "
    "score is measurement error that does not repeat, so low scorers rise at follow-up even "
    "without a programme (regression to the mean), and a plain difference in differences "
    "credits that rise to the programme. The effect is therefore estimated by ANCOVA: each "
    "person's follow-up score is regressed on their baseline score and on enrolment, so "
    "enrolled people are compared with others who started at the same score (Senn 2006; "
    "Barnett, van der Pols & Dobson 2005). The difference in differences is shown beside it; "
    "the gap between the two is the part of the rise that the starting scores predict."
)
#: How the level-4 verdict is reached across several KPIs.
KPI_RULE = (
    "Testing several KPIs at 5% each makes a chance finding likely, so the verdict on each "
    "KPI uses p values adjusted by Holm's method across all the KPIs (Holm 1979): a KPI "
    "counts as improved or declined only when its adjusted p is below 0.05. Each confidence "
    "interval is the KPI's own, unadjusted."
)


def linkage_section(results: ReviewResults) -> Section | None:
    frame = results.linkage
    if frame is None or frame.empty:
        return None
    blocks: list[Block] = []
    if bool(frame["exploratory"].astype(bool).any()):
        blocks.append(caution(EXPLORATORY))
    blocks.append(
        p(
            "Do sites with more leading also get better contract results? Each site's mean "
            "leadership score is set against its KPIs: r (Pearson) and rho (Spearman, by rank), "
            "each with its 95% confidence interval in brackets. A correlation says the two go "
            "together, not that one causes the other."
        )
    )
    blocks.append(
        p(
            '"Same period" pairs the survey with the KPI of the period it ran in, "next '
            'period" with the period after; "all periods" is the slope of a mixed model over '
            "every period from the wave on (KPI units per scale point), shown in the r column."
        )
    )
    columns = ("n sites", "r [95% CI]", "p", "p (permutation)", "rho [95% CI]")
    for kpi, block in frame.groupby("kpi", sort=False):
        rows = []
        for rec in records(block):
            lag, period = str(rec["lag"]), str(rec["period"])
            when = {"0": "Same period", "1": "Next period"}.get(lag, f"Lag {lag}")
            r_text = with_ci(rec["pearson_r"], rec["pearson_ci_low"], rec["pearson_ci_high"])
            if lag == "repeated":
                when, period = "All periods", period.removesuffix(" on") + " on"
                r_text = "slope " + with_ci(
                    rec["pearson_r"], rec["pearson_ci_low"], rec["pearson_ci_high"], sign=True
                )
            rho = with_ci(rec["spearman_rho"], rec["spearman_ci_low"], rec["spearman_ci_high"])
            cells = (
                Cell(str(to_count(rec.get("n_sites")))),
                Cell(r_text),
                Cell(p_value(rec.get("pearson_p"))),
                Cell(p_value(rec.get("permutation_p"))),
                Cell(rho),
            )
            rows.append(Row(f"{when} ({period})", cells))
        caption = f"{kpi}: site-level correlation with leadership, n sites"
        figure = _linkage_figure(results, str(kpi), block)
        if figure is not None:
            blocks.append(figure)
        blocks.append(tab(Table(caption, "When", columns, tuple(rows))))
        notes = dict.fromkeys(str(n) for n in block["note"] if isinstance(n, str) and n)
        blocks += [p(f"Note: {note[0].upper()}{note[1:]}.") for note in notes]
    title = "Leadership and contract results"
    return Section("linkage", title, "Contract results", tuple(blocks))


def _linkage_figure(results: ReviewResults, kpi: str, block: pd.DataFrame) -> Block | None:
    """The same-period sites of one KPI as a scatter with its least-squares line."""
    points = results.linkage_points
    same = block[block["lag"].astype(str) == "0"]
    if points is None or same.empty:
        return None
    mine = points[points["kpi"] == kpi]
    if len(mine) < 3:
        return None
    size = {}
    if results.continuum is not None:
        size = dict(
            zip(results.continuum.table["group"], results.continuum.table["n_people"], strict=True)
        )
    rec = same.iloc[0]
    slope, intercept = np.polyfit(mine["behaviour"].astype(float), mine["value"].astype(float), 1)
    chart = ScatterPlot(
        f"{kpi} against site leadership, {rec['period']}",
        tuple(
            QuadrantPoint(str(site), float(x), float(y), int(size.get(site, 0)))
            for site, x, y in zip(mine["site"], mine["behaviour"], mine["value"], strict=True)
        ),
        "Site mean of the leadership practices (observers)",
        kpi,
        note=f"r = {with_ci(rec['pearson_r'], rec['pearson_ci_low'], rec['pearson_ci_high'])}, "
        f"{to_count(rec['n_sites'])} sites",
        line=(float(intercept), float(slope)),
    )
    caption = (
        f"Each dot is a site (n = people with a leadership score); the line is the least-squares "
        f"fit. {chart.note}."
    )
    return Block("figure", caption, svg=Markup(render_chart(chart, chart_id=f"chart-kpi-{kpi}")))


def evaluation_section(results: ReviewResults) -> Section | None:
    ev = results.evaluation
    if ev is None:
        return None
    titles = scale_titles(results)
    titles[ev.composite] = f"{ev.composite.capitalize()} (mean of the practices)"
    minimum = results.anonymity_minimum
    blocks = [
        p(
            f"{ev.n_enrolled} people were enrolled in the development programme "
            f"({ev.n_completed} completed it). Their observer scores at {ev.baseline_wave} and "
            f"{ev.follow_up_wave} are compared with those of the people not enrolled."
        ),
        h3("Change in observer scores"),
        tab(change_table(ev, titles, minimum)),
        p(
            "How much more the enrolled people improved than comparable people not enrolled, "
            "with 95% confidence intervals that allow for people working at the same site."
        ),
        p(BASELINE_RULE),
        tab(did_table(ev, titles, minimum)),
        p(
            f"Reliable change: a person's {ev.composite} score moved by more than measurement "
            f"error (Jacobson & Truax 1991; reliability {format_score(ev.reliability)})."
        ),
        tab(reliable_table(ev, minimum)),
    ]
    if not ev.kpi_did.empty:
        blocks += [
            h3("Change in contract results"),
            p(
                f"Sites where at least {ev.site_threshold:.0%} of people were enrolled, "
                f"compared with the other sites, from {period_range(ev.pre_periods)} (before the "
                f"programme) to {period_range(ev.post_periods)} (after it), adjusted for each "
                "site's KPI before the programme. Positive = better for every KPI."
            ),
            p(KPI_RULE),
            tab(kpi_table(ev)),
        ]
    n_sites = max((to_count(v) for v in ev.did["n_clusters"]), default=0)
    blocks += [
        h3("What the evidence shows, level by level"),
        tab(kirkpatrick_table(ev)),
        h3("What can and cannot be concluded"),
        p(conclusion(n_sites)),
    ]
    title = "Did the programme change anything?"
    return Section("programme", title, "Programme", tuple(blocks))


def kirkpatrick_table(ev: ProgrammeEvaluation) -> Table:
    """What each of Kirkpatrick's levels shows in this evaluation."""
    rows = tuple(
        Row(
            f"{k.level} {k.name.capitalize()}",
            (
                Cell("yes" if k.measured else "no", kind="text"),
                Cell(k.evidence, kind="text"),
                Cell(k.detail, kind="text"),
            ),
        )
        for k in ev.kirkpatrick
    )
    caption = "Kirkpatrick's four levels of evaluation"
    columns = ("Measured", "Evidence", "What it shows")
    return Table(caption, "Level", columns, rows, column_kinds=("text", "text", "text"))


def conclusion(n_sites: int) -> str:
    sites = (
        f"With only {n_sites} site{'' if n_sites == 1 else 's'}, site-level results (contract "
        "KPIs) rest on few clusters: "
        "treat them as exploratory. "
        if n_sites < MIN_SITES
        else f"Site-level results rest on {n_sites} sites. "
    )
    return (
        "Enrolment was not random: people chose, or were chosen, to take part, so enrolled and "
        "not enrolled people may differ in ways the survey does not see. The comparison assumes "
        "that people who started at the same score would have changed alike without the "
        "programme; adjusting for the starting score removes regression to the mean, not "
        "differences the survey does not measure. " + sites + "A change in "
        "observer scores shows behaviour as others see it; it does not by itself show that the "
        "programme caused better contract results."
    )


def change_table(ev: ProgrammeEvaluation, titles: dict[str, str], minimum: int) -> Table:
    groups = ("enrolled", "not_enrolled")
    by = {(str(r["measure"]), str(r["group"])): r for r in records(ev.change)}
    rows = []
    for measure in dict.fromkeys(ev.change["measure"].astype(str)):
        cells: list[Cell] = []
        for group in groups:
            rec = by.get((measure, group))
            n = to_count(rec.get("n")) if rec else 0
            if rec is None or n < minimum:
                cells.append(Cell(suppressed_text(minimum), span=4, kind="note"))
                continue
            change = with_ci(rec["mean_change"], rec["ci_low"], rec["ci_high"], sign=True)
            cells += [
                Cell(str(n)),
                Cell(format_score(to_float(rec["mean_pre"]))),
                Cell(format_score(to_float(rec["mean_post"]))),
                Cell(change),
            ]
        rows.append(Row(titles.get(measure, measure), tuple(cells)))
    columns = ("n people", "Before", "After", "Change [95% CI]") * 2
    caption = f"Mean observer score at {ev.baseline_wave} (before) and {ev.follow_up_wave} (after)"
    spans = (("Enrolled", 4), ("Not enrolled", 4))
    return Table(caption, "Measure", columns, tuple(rows), spans)


def did_table(ev: ProgrammeEvaluation, titles: dict[str, str], minimum: int) -> Table:
    """Per measure: the baseline-adjusted effect (primary) beside the difference in
    differences, with the groups' sizes."""
    rows = []
    for rec in records(ev.did):
        measure = str(rec["measure"])
        treated, control = to_count(rec.get("n_treated")), to_count(rec.get("n_control"))
        reason = rec.get("reason")
        if min(treated, control) < minimum:
            rows.append(note_row(titles.get(measure, measure), suppressed_text(minimum), 6))
        elif isinstance(reason, str) and reason:
            rows.append(note_row(titles.get(measure, measure), reason, 6))
        else:
            cells = (
                _adjusted_cell(rec),
                Cell(p_value(rec.get("adjusted_p"))),
                Cell(with_ci(rec["effect"], rec["ci_low"], rec["ci_high"], sign=True)),
                Cell(str(treated)),
                Cell(str(control)),
                Cell(str(to_count(rec.get("n_clusters")))),
            )
            rows.append(Row(titles.get(measure, measure), cells))
    columns = (
        "Effect, adjusted for baseline [95% CI]",
        "p",
        "Difference in differences [95% CI]",
        "n enrolled",
        "n not enrolled",
        "n sites",
    )
    caption = (
        "Programme effect: enrolled minus not enrolled, adjusted for the baseline score "
        "(ANCOVA) and unadjusted (difference in differences)"
    )
    return Table(caption, "Measure", columns, tuple(rows))


def _adjusted_cell(rec: dict[str, object]) -> Cell:
    """The baseline-adjusted effect with its interval, or why it could not be estimated."""
    reason = rec.get("adjusted_reason")
    if isinstance(reason, str) and reason:
        return Cell(reason, kind="note")
    return Cell(
        with_ci(rec["adjusted_effect"], rec["adjusted_ci_low"], rec["adjusted_ci_high"], sign=True)
    )


def reliable_table(ev: ProgrammeEvaluation, minimum: int) -> Table:
    rows = []
    for rec in records(ev.reliable_change):
        label = str(rec["group"]).replace("_", " ").capitalize()
        n = to_count(rec.get("n"))
        if n < minimum:
            rows.append(note_row(label, suppressed_text(minimum), 4))
            continue
        counts = [to_count(rec.get(k)) for k in ("improved", "unchanged", "deteriorated")]
        rows.append(Row(label, (Cell(str(n)), *(Cell(share(c, n)) for c in counts))))
    columns = ("n people", "Improved", "No reliable change", "Declined")
    caption = f"Reliable change in the {ev.composite} score, n people"
    return Table(caption, "Group", columns, tuple(rows))


def kpi_table(ev: ProgrammeEvaluation) -> Table:
    """Level 4, one row per named KPI with its direction, estimates and Holm verdict."""
    rows = []
    for rec in records(ev.kpi_did):
        direction = "higher is better" if bool(rec.get("higher_is_better")) else "lower is better"
        label = f"{rec['kpi']} ({direction})"
        reason = rec.get("reason")
        if isinstance(reason, str) and reason:
            rows.append(note_row(label, reason, 7))
            continue
        treated, control = to_count(rec.get("n_treated")), to_count(rec.get("n_control"))
        cells = (
            Cell(signed(rec.get("treated_change"))),
            Cell(signed(rec.get("control_change"))),
            Cell(with_ci(rec["effect"], rec["ci_low"], rec["ci_high"], sign=True)),
            _adjusted_cell(rec),
            Cell(p_value(rec.get("p_holm"))),
            Cell(str(rec.get("verdict", "")), kind="text"),
            Cell(f"{treated} + {control}"),
        )
        rows.append(Row(label, cells))
    columns = (
        "Change, high-enrolment sites",
        "Change, other sites",
        "Difference in differences [95% CI]",
        "Adjusted for the KPI before [95% CI]",
        "p (Holm)",
        "Verdict",
        "n sites (high + other)",
    )
    caption = (
        "Contract KPIs: change at high-enrolment sites against the other sites, in KPI units "
        "signed so that positive = better"
    )
    return Table(
        caption,
        "KPI",
        columns,
        tuple(rows),
        column_kinds=("num", "num", "num", "num", "num", "text", "num"),
    )
