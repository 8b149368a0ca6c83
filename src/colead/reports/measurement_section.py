"""The "How well the survey measured" section: alpha and omega, ICC(1)/ICC(2), rwg.

Each statistic gets one plain sentence on what it says and the 0.70 rule of thumb; tables keep
their n (forms, people or respondents); sites below the anonymity minimum show no values.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from colead.analysis.results import MeasurementQuality, ReviewResults
from colead.reports.chart_specs import format_score
from colead.reports.sections import (
    GOOD,
    Block,
    Section,
    h3,
    note_row,
    p,
    p_value,
    records,
    scale_titles,
    share,
    tab,
    with_ci,
)
from colead.reports.tables import Cell, Row, Table, to_count, to_flag, to_float


def measurement_section(results: ReviewResults) -> Section | None:
    m = results.measurement
    if m is None:
        return None
    titles = scale_titles(results)
    blocks = [
        p(
            "These checks say how far the scores in this report can be trusted. Each table "
            "gives the n behind its numbers."
        )
    ]
    blocks += _reliability_blocks(m, titles)
    blocks += _icc_blocks(m, titles)
    blocks += _agreement_blocks(m, titles, results.anonymity_minimum)
    return Section("measurement", "How well the survey measured", "Measurement", tuple(blocks))


def _reliability_blocks(m: MeasurementQuality, titles: dict[str, str]) -> list[Block]:
    rows, weak = [], []
    no_omega: dict[str, list[str]] = {}
    for rec in records(m.reliability):
        title = titles.get(str(rec["scale_id"]), str(rec["scale_id"]))
        alpha = to_float(rec.get("alpha"))
        if not math.isfinite(alpha):
            check = Cell("not estimated", kind="text")
        elif alpha < GOOD:
            check = Cell("below 0.70: read with care", kind="flag")
            weak.append(title)
        else:
            check = Cell("good", kind="text")
        reason = rec.get("reason")
        if isinstance(reason, str) and reason:
            no_omega.setdefault(reason, []).append(title)
        cells = (
            Cell(str(to_count(rec.get("n")))),
            Cell(str(to_count(rec.get("k")))),
            Cell(with_ci(alpha, rec.get("ci_low"), rec.get("ci_high"))),
            Cell(format_score(to_float(rec.get("omega")))),
            check,
        )
        rows.append(Row(title, cells))
    if not rows:
        return []
    summary = f"{len(rows) - len(weak)} of {len(rows)} scales reach 0.70."
    if weak:
        which = ", ".join(weak) if len(weak) <= 5 else f"{len(weak)} scales"
        summary += f' Below 0.70, marked "below 0.70: read with care" in the table: {which}.'
    table = Table(
        "Consistency of the items: Cronbach's alpha and McDonald's omega, n forms",
        "Scale",
        ("n forms", "Items", "Alpha [95% CI]", "Omega", "Check"),
        tuple(rows),
        column_kinds=("num", "num", "num", "num", "text"),
    )
    notes = [
        p(f"No omega (–) for {len(names)} scale{'s' if len(names) > 1 else ''}: {reason}.")
        for reason, names in no_omega.items()
    ]
    return [
        h3("Do the items of a practice agree?"),
        p(
            "Alpha and omega say how consistently the items of a practice measure the same "
            "thing; 0.70 or more is good. n is the number of completed forms, items the number "
            "of questions on the scale."
        ),
        p(summary),
        tab(table),
        *notes,
    ]


def _icc_blocks(m: MeasurementQuality, titles: dict[str, str]) -> list[Block]:
    rows = []
    for rec in records(m.site_variability):
        scale = str(rec["scale_id"])
        reason = rec.get("reason")
        if isinstance(reason, str) and reason:
            rows.append(note_row(titles.get(scale, scale), reason, 6))
            continue
        df = f"F({to_count(rec.get('df1'))}, {to_count(rec.get('df2'))})"
        cells = (
            Cell(str(to_count(rec.get("sites")))),
            Cell(str(to_count(rec.get("n")))),
            Cell(format_score(to_float(rec.get("icc1")))),
            Cell(format_score(to_float(rec.get("icc2")))),
            Cell(f"{df} = {to_float(rec.get('f')):.1f}, p {_p_phrase(rec.get('p'))}"),
            Cell(str(rec.get("verdict") or ""), kind="text"),
        )
        rows.append(Row(titles.get(scale, scale), cells))
    if not rows:
        return []
    columns = ("Sites", "n people", "ICC(1)", "ICC(2)", "Test", "What it means")
    table = Table(
        "Differences between sites: ICC(1) and ICC(2) of people within sites",
        "Practice",
        columns,
        tuple(rows),
        column_kinds=("num", "num", "num", "num", "num", "text"),
    )
    return [
        h3("Do sites really differ?"),
        p(
            "ICC(1) says how much of the difference between people lies between sites; ICC(2) "
            "says whether site means are reliable enough to compare (0.70 or more)."
        ),
        tab(table),
    ]


def _p_phrase(value: Any) -> str:
    text = p_value(value)
    return text if text.startswith("<") else f"= {text}"


def _agreement_blocks(m: MeasurementQuality, titles: dict[str, str], minimum: int) -> list[Block]:
    blocks: list[Block] = []
    rows = []
    for rec in records(m.agreement_summary):
        scale = str(rec["scale_id"])
        n = to_count(rec.get("n_people"))
        agreeing = round(to_float(rec.get("share_agreeing")) * n) if n else 0
        cells = (Cell(str(n)), Cell(format_score(to_float(rec.get("median_rwg")))))
        rows.append(Row(titles.get(scale, scale), (*cells, Cell(share(agreeing, n)))))
    if rows:
        columns = ("n people", "Median rwg", "People whose raters agree")
        caption = "Agreement among each person's raters: rwg(j), n people with a value"
        blocks += [
            h3("Do a person's raters agree?"),
            p(
                "rwg says how much a person's raters agree; 0.70 or more is agreement. The last "
                "column counts the people whose raters agree."
            ),
            tab(Table(caption, "Practice", columns, tuple(rows))),
        ]
    if m.site_agreement is not None and not m.site_agreement.empty:
        blocks += [
            p(
                "The same measure for the scales that rate the site itself: how much a site's "
                "respondents agree (0.70 or more is agreement)."
            ),
            tab(_site_agreement_table(m.site_agreement, titles, minimum)),
        ]
    return blocks


def _site_agreement_table(frame: pd.DataFrame, titles: dict[str, str], minimum: int) -> Table:
    """One row per site: n respondents, median and lowest rwg(j), scales with agreement."""
    rows = []
    for site, part in frame.groupby("site", sort=True):
        shown = [
            r for r in records(part) if to_flag(r.get("shown")) and to_count(r["n"]) >= minimum
        ]
        if not shown:
            rows.append(note_row(str(site), f"not shown (fewer than {minimum} respondents)", 4))
            continue
        ns = sorted(to_count(r["n"]) for r in shown)
        values = [(to_float(r["rwg"]), str(r["scale_id"])) for r in shown]
        finite = sorted(v for v in values if math.isfinite(v[0]))
        median = float(pd.Series([v for v, _ in finite]).median()) if finite else math.nan
        lowest = f"{format_score(finite[0][0])} ({titles.get(finite[0][1], finite[0][1])})"
        agreeing = sum(v >= GOOD for v, _ in finite)
        hidden = len(part) - len(shown)
        scales = share(agreeing, len(finite)) + (f"; {hidden} not shown" if hidden else "")
        n_text = str(ns[0]) if ns[0] == ns[-1] else f"{ns[0]} to {ns[-1]}"
        cells = (Cell(n_text), Cell(format_score(median)), Cell(lowest if finite else "–"))
        rows.append(Row(str(site), (*cells, Cell(scales))))
    columns = ("n respondents", "Median rwg(j)", "Lowest rwg(j) (scale)", "Scales with agreement")
    caption = "Agreement within each site on the site-rated scales: rwg(j), n respondents"
    return Table(caption, "Site", columns, tuple(rows))
