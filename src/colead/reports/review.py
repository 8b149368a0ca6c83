"""The relationship review report: ``ReviewResults`` -> one self-contained HTML page.

Data shaping happens in small pure helpers that turn result tables into ready strings
(``Table``, ``Row``, ``Cell``) and chart specs; the Jinja2 templates only lay them out. The
table builders and the anonymity guard (``profile_stats``) are in :mod:`tables`, the sections
on measurement, benchmark, title, linkage and programme evaluation in :mod:`sections`; this
module builds the charts and the page and writes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from colead.analysis.results import Profile, ReviewResults, ScaleInfo
from colead.domain import QUADRANT_LABELS
from colead.reports.change_section import change_section
from colead.reports.charts import (
    BarSeries,
    Chart,
    ColumnGroup,
    GroupedBars,
    HeatCell,
    Heatmap,
    HeatRow,
    QuadrantPlot,
    QuadrantPoint,
    RateBar,
    RateBars,
    format_rate,
    format_score,
    render_chart,
)
from colead.reports.files import write_atomically
from colead.reports.measurement_section import measurement_section
from colead.reports.next_steps import change_findings, next_steps
from colead.reports.outcome_sections import evaluation_section, linkage_section
from colead.reports.sections import (
    Section,
    benchmark_section,
    competence_section,
    h3,
    self_other_section,
    tab,
    title_section,
)
from colead.reports.sections import p as paragraph
from colead.reports.summary import executive_summary
from colead.reports.tables import (
    Cell,
    Row,
    Stat,
    Table,
    continuum_table,
    family_ids,
    group_order,
    hidden_groups,
    matrix_table,
    organisation_table,
    participation_table,
    profile_stats,
    relation_label,
    systems_tables,
    to_count,
    to_float,
)

if TYPE_CHECKING:
    from colead.development.review_actions import ActionLog

# Re-exported: the table types and the anonymity guard were defined here first.
__all__ = [
    "Cell",
    "Figure",
    "Row",
    "Stat",
    "Table",
    "profile_stats",
    "render_review_html",
    "review_context",
    "write_review_html",
]


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str


def continuum_positions(results: ReviewResults) -> tuple[list[QuadrantPoint], list[str]]:
    """Shown sites as points (x = system, y = passion) and the names of hidden sites.

    ``ContinuumPosition`` has no ``shown`` flag, so a site is left out when the site profile
    hides it or when it has fewer people than the anonymity minimum. Sites the site profile
    hides are listed as hidden even when the continuum table omits them.
    """
    if results.continuum is None:
        return [], []
    hidden_sites = hidden_groups(results.site_profile)
    shown: list[QuadrantPoint] = []
    hidden: list[str] = []
    for rec in results.continuum.table.to_dict("records"):
        group, n = str(rec["group"]), to_count(rec.get("n_people"))
        if group in hidden_sites or n < results.anonymity_minimum:
            hidden.append(group)
            continue
        code = str(rec.get("quadrant", ""))
        x, y = to_float(rec.get("system")), to_float(rec.get("passion"))
        shown.append(QuadrantPoint(group, x, y, n, QUADRANT_LABELS.get(code, code)))
    return shown, list(dict.fromkeys(hidden + hidden_sites))


# ---------------------------------------------------------------------------- charts


def organisation_chart(results: ReviewResults, scales: tuple[ScaleInfo, ...]) -> GroupedBars:
    profile = results.organisation_profile
    stats = profile_stats(profile)
    hidden = hidden_groups(profile)
    series = []
    for org in group_order(profile):
        if org in hidden:
            continue
        cells = [stats.get((org, s.id), Stat(math.nan, math.nan, 0, False)) for s in scales]
        series.append(BarSeries(org, tuple(c.mean for c in cells), tuple(c.n for c in cells)))
    return GroupedBars(
        title="Leadership practices by organisation",
        categories=tuple(s.title for s in scales),
        series=tuple(series),
        scale_min=results.scale_min,
        scale_max=results.scale_max,
        axis_label=f"Mean observer score ({results.scale_min} to {results.scale_max})",
        hidden=tuple(hidden),
        minimum=profile.minimum,
    )


def site_heatmap(results: ReviewResults, families: tuple[str, ...]) -> Heatmap:
    profile = results.site_profile
    stats = profile_stats(profile)
    groups = tuple(
        ColumnGroup(results.families.get(f, f), tuple(s.title for s in results.scales_of(f)))
        for f in families
    )
    scales = [s for f in families for s in results.scales_of(f)]
    rows = []
    for site in group_order(profile):
        cells = []
        for scale in scales:
            stat = stats.get((site, scale.id), Stat(math.nan, math.nan, 0, True))
            cells.append(HeatCell(stat.mean, stat.n, stat.shown))
        rows.append(HeatRow(site, tuple(cells)))
    title = "Leadership and management practices by site"
    return Heatmap(
        title, tuple(rows), groups, results.scale_min, results.scale_max, profile.minimum
    )


def quadrant_plot(results: ReviewResults, points: list[QuadrantPoint]) -> QuadrantPlot:
    threshold = results.continuum.threshold if results.continuum else math.nan
    corners = (
        QUADRANT_LABELS["passion_without_system"],
        QUADRANT_LABELS["both"],
        QUADRANT_LABELS["neither"],
        QUADRANT_LABELS["system_without_passion"],
    )
    return QuadrantPlot(
        title="System and passion by site",
        points=tuple(points),
        threshold=threshold,
        scale_min=results.scale_min,
        scale_max=results.scale_max,
        x_label="System: mean of management practices",
        y_label="Passion: mean of leadership practices",
        corners=corners,
    )


def relation_chart(results: ReviewResults) -> RateBars:
    bars = tuple(
        RateBar(
            relation_label(str(r["group"])),
            to_count(r.get("completed")),
            to_count(r.get("invited")),
        )
        for r in results.participation.by_relation.to_dict("records")
    )
    return RateBars("Response rate by relation", bars)


# ---------------------------------------------------------------------------- page


def key_figures(results: ReviewResults) -> tuple[Figure, ...]:
    p = results.participation
    forms = f"{p.completed} of {p.invited}"
    return (
        Figure("People", str(results.n_people), "people in the review"),
        Figure("Sites", str(results.n_sites), "sites"),
        Figure("Organisations", str(results.n_organisations), "organisations"),
        Figure("Forms completed", forms, "completed of invited"),
        Figure("Response rate", format_rate(p.completed, p.invited), f"{forms} forms"),
    )


def extra_sections(results: ReviewResults) -> tuple[Section, ...]:
    """The sections on the optional results this wave has, in page order."""
    builders = (
        benchmark_section,
        competence_section,
        title_section,
        self_other_section,
        linkage_section,
        evaluation_section,
        measurement_section,
    )
    return tuple(s for s in (build(results) for build in builders) if s is not None)


#: how each action status is worded in the report
ACTION_STATUS = {
    "open": "open",
    "in_progress": "in progress",
    "done": "done",
    "dropped": "dropped",
}


def action_log_section(log: ActionLog) -> Section:
    """The relationship action log: each improvement action, its owner, due date and status,
    overdue ones flagged. Actions are the review's own, never a person's plan."""
    title, nav = "Relationship action log", "Action log"
    if not log.actions:
        return Section(
            "actions",
            title,
            nav,
            (
                paragraph(
                    "No improvement actions are logged for this relationship yet. The four that "
                    "follow from the research (link deliverables to enablers, measure "
                    "leadership, develop beyond senior roles, evaluate) can be added with "
                    f'colead actions seed --review "{log.review}".'
                ),
            ),
        )
    rows = []
    for action in log.actions:
        status = ACTION_STATUS.get(action.status, action.status)
        if action.overdue:
            status = f"{status}, overdue"
        cells = (
            Cell(action.owner or "no owner", kind="text"),
            Cell(action.due_date.isoformat() if action.due_date else "no date", kind="text"),
            Cell(status, kind="note" if action.status == "dropped" else "text"),
        )
        rows.append(Row(action.text, cells))
    counts = "; ".join(
        f"{ACTION_STATUS.get(status, status)} {n}" for status, n in log.counts.items() if n
    )
    overdue = (
        f" {log.overdue} {'is' if log.overdue == 1 else 'are'} overdue: past the due date "
        "and not done."
        if log.overdue
        else " None is overdue."
    )
    table = Table(
        "Improvement actions of the relationship: owner, due date and status",
        "Action",
        ("Owner", "Due", "Status"),
        tuple(rows),
        column_kinds=("text", "text", "text"),
    )
    blocks = (
        paragraph(
            "The relationship's own improvement actions, with who owns each and when it is "
            f"due. {len(log.actions)} actions ({counts}).{overdue}"
        ),
        tab(table),
        h3("Keeping the log"),
        paragraph(
            "Owners update the status as work moves (open, in progress, done or dropped); an "
            "action still open after its due date is flagged overdue."
        ),
    )
    return Section("actions", title, nav, blocks)


def review_context(
    results: ReviewResults, generated_at: str, actions: ActionLog | None = None
) -> dict[str, Any]:
    """Everything the template shows, as ready strings, tables and SVG markup.

    ``actions``, the review's action log, adds its section after the results sections.
    """
    lead, manage = family_ids(results)
    titles = {f: results.families.get(f, f) for f in (lead, manage)}
    lead_scales = results.scales_of(lead)
    systems_ids = set(results.systems_by_site.table["scale_id"].astype(str))
    systems_scales = tuple(s for s in results.scales if s.id in systems_ids)
    positions, hidden_positions = continuum_positions(results)
    part = results.participation

    def svg(chart: Chart, chart_id: str) -> Markup:
        # Safe to mark up: the chart module escapes every piece of text it draws.
        return Markup(render_chart(chart, chart_id=chart_id))

    def by_family(profile: Profile, corner: str) -> list[Table]:
        # One table per family keeps each to a width that fits a page and a phone.
        return [
            matrix_table(
                profile,
                results.scales_of(f),
                f"{titles[f]} practices by {corner.lower()}: mean score, n people",
                corner,
            )
            for f in (lead, manage)
        ]

    return {
        "r": results,
        "generated_at": generated_at,
        "minimum": results.anonymity_minimum,
        "figures": key_figures(results),
        "participation": [
            participation_table(frame, corner)
            for frame, corner in (
                (part.by_organisation, "Organisation"),
                (part.by_site, "Site"),
                (part.by_relation, "Relation"),
            )
        ],
        "relation_chart": svg(relation_chart(results), "chart-relation"),
        "lead_title": titles[lead],
        "manage_title": titles[manage],
        "organisation_chart": svg(organisation_chart(results, lead_scales), "chart-organisation"),
        "organisation_table": organisation_table(results.organisation_profile, lead_scales),
        "site_chart": svg(site_heatmap(results, (lead, manage)), "chart-sites"),
        "site_tables": by_family(results.site_profile, "Site"),
        "has_continuum": results.continuum is not None,
        "threshold": format_score(results.continuum.threshold if results.continuum else None),
        "quadrant_chart": svg(quadrant_plot(results, positions), "chart-quadrant"),
        "quadrant_table": continuum_table(positions, hidden_positions, results.anonymity_minimum),
        "systems_tables": systems_tables(results.systems_by_site, systems_scales),
        "systems_hidden": hidden_groups(results.systems_by_site),
        "systems_minimum": results.systems_by_site.minimum,
        "level_tables": by_family(results.level_profile, "Level"),
        "notes": results.notes,
        "answered_share": answered_share(results.min_answered_fraction),
        "extra_sections": extra_sections(results)
        + ((action_log_section(actions),) if actions is not None else ()),
        "change_section": change_section(results),
        # What changed leads a follow-up's summary; each wave's own findings follow.
        "findings": change_findings(results) + executive_summary(results),
        "recommendations": next_steps(results),
    }


def answered_share(fraction: float) -> str:
    """The minimum answered share in words ("two thirds") or as a percentage."""
    words = {1 / 2: "half", 2 / 3: "two thirds", 3 / 4: "three quarters", 1.0: "all"}
    for value, word in words.items():
        if abs(fraction - value) < 1e-3:
            return word
    return f"{fraction:.0%}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The reports' Jinja2 environment (templates of this package, autoescaped)."""
    # Autoescape everywhere: site, organisation and review names are user data.
    return Environment(
        loader=PackageLoader("colead.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_review_html(
    results: ReviewResults,
    *,
    generated_at: str | None = None,
    actions: ActionLog | None = None,
) -> str:
    """Render the relationship review report as one self-contained HTML page.

    Parameters
    ----------
    results
        The analysed wave.
    generated_at
        Text for the generation date; the current UTC time when ``None`` (pass a fixed value
        for reproducible output).
    actions
        The review's relationship action log (:func:`colead.development.review_actions.action_log`),
        shown as its own section; none when ``None``.

    Returns
    -------
    str
        A complete HTML document with inline CSS and SVG, and no external references.
    """
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = environment().get_template("review.html.j2")
    return template.render(**review_context(results, stamp, actions))


def write_review_html(
    results: ReviewResults,
    path: Path,
    *,
    generated_at: str | None = None,
    actions: ActionLog | None = None,
) -> Path:
    """Render the report and write it to ``path`` atomically (see :func:`write_html`)."""
    return write_html(render_review_html(results, generated_at=generated_at, actions=actions), path)


def write_html(html: str, path: Path) -> Path:
    """Write a rendered page to ``path`` atomically (UTF-8); see
    :func:`~colead.reports.files.write_atomically`."""
    return write_atomically(html.encode("utf-8"), path, "report")
