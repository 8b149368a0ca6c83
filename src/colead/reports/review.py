"""The relationship review report: ``ReviewResults`` -> one self-contained HTML page.

All data shaping happens here, in small pure helpers that turn result tables into ready
strings (``Table``, ``Row``, ``Cell``) and chart specs; the Jinja2 templates only lay them out.
Anonymity is enforced on the way in (``profile_stats``): the value of a cell that is not shown
is dropped before anything else sees it, so no later step can print it by mistake.
"""

from __future__ import annotations

import math
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from colead.analysis.results import QUADRANT_LABELS, Profile, ReviewResults, ScaleInfo
from colead.domain import LEVEL_LABELS, Relation
from colead.errors import OutputError
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


@dataclass(frozen=True)
class Stat:
    """One group × scale cell of a profile; ``mean``/``sd`` are NaN unless ``shown``."""

    mean: float
    sd: float
    n: int
    shown: bool


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1
    kind: str = "num"  # CSS class: num (right-aligned figures), note (suppression), text


@dataclass(frozen=True)
class Row:
    header: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A data table as the template draws it: ``<caption>``, ``<th scope>`` headers, rows."""

    caption: str
    corner: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    column_groups: tuple[tuple[str, int], ...] = ()
    #: CSS class of each column header (default "num", right-aligned like its figures)
    column_kinds: tuple[str, ...] = ()

    def kind_of(self, index: int) -> str:
        return self.column_kinds[index] if index < len(self.column_kinds) else "num"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str


# ---------------------------------------------------------------------------- cells


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _count(value: Any) -> int:
    number = _num(value)
    return int(number) if math.isfinite(number) else 0


def _flag(value: Any) -> bool:
    # A missing "shown" (NaN, None, pd.NA) must mean hidden: bool(nan) would say True.
    if isinstance(value, bool | int):
        return bool(value)
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    return bool(value) if kind in ("b", "i", "u") else False


def suppressed_text(minimum: int) -> str:
    return f"not shown (fewer than {minimum} people)"


def profile_stats(profile: Profile) -> dict[tuple[str, str], Stat]:
    """Cells of a profile keyed by ``(group, scale_id)``, with hidden values removed.

    A cell is shown only when the analysis marked it ``shown`` *and* it has at least
    ``profile.minimum`` people; this second check guards against a caller who passes values
    for a group the rule should hide.

    Parameters
    ----------
    profile
        Any profile of the results (site, organisation, level, systems).

    Returns
    -------
    dict
        ``(group, scale_id) -> Stat``; hidden cells have NaN mean and sd and n 0.
    """
    stats: dict[tuple[str, str], Stat] = {}
    for rec in profile.table.to_dict("records"):
        n = _count(rec.get("n_people"))
        shown = _flag(rec.get("shown")) and n >= profile.minimum
        key = (str(rec["group"]), str(rec["scale_id"]))
        if shown:
            stats[key] = Stat(_num(rec.get("mean")), _num(rec.get("sd")), n, True)
        else:
            stats[key] = Stat(math.nan, math.nan, 0, False)
    return stats


def group_order(profile: Profile) -> list[str]:
    """Groups in the order of the table; levels in level order."""
    groups = list(dict.fromkeys(str(g) for g in profile.table["group"]))
    if profile.by == "level":
        groups.sort(key=lambda g: (math.isnan(_num(g)), _num(g), g))
    return groups


def group_label(by: str, group: str) -> str:
    """Display name of a group: levels get their label ("2 Senior manager")."""
    if by == "level" and math.isfinite(_num(group)):
        level = int(_num(group))
        return f"{level} {LEVEL_LABELS.get(level, '')}".strip()
    return group


def relation_label(value: str) -> str:
    try:
        return Relation(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def hidden_groups(profile: Profile) -> list[str]:
    """Groups with no shown cell at all: they appear only as "not shown"."""
    shown = {group for (group, _), s in profile_stats(profile).items() if s.shown}
    return [g for g in group_order(profile) if g not in shown]


def _score_cell(stat: Stat | None, row_n: int) -> Cell:
    if stat is None:
        return Cell("–")
    if not stat.shown:
        return Cell("not shown", kind="note")
    # The row carries n; a cell only repeats it when its own n differs (people with a
    # missing scale score), so every number still has its n beside it.
    text = format_score(stat.mean)
    return Cell(text if stat.n == row_n else f"{text} (n = {stat.n})")


# ---------------------------------------------------------------------------- tables


def participation_table(frame: pd.DataFrame, corner: str) -> Table:
    """Invited, completed and rate per group of a ``Participation`` table."""
    rows = []
    for rec in frame.to_dict("records"):
        invited, completed = _count(rec.get("invited")), _count(rec.get("completed"))
        group = str(rec["group"])
        label = relation_label(group) if corner == "Relation" else group
        cells = (Cell(str(invited)), Cell(str(completed)), Cell(format_rate(completed, invited)))
        rows.append(Row(label, cells))
    caption = f"Response by {corner.lower()}: forms invited and completed"
    return Table(caption, corner, ("Invited", "Completed", "Response rate"), tuple(rows))


def matrix_table(
    profile: Profile, scales: tuple[ScaleInfo, ...], caption: str, corner: str
) -> Table:
    """Groups as rows, scales as columns, with n people in the second column."""
    stats = profile_stats(profile)
    rows = []
    for g in group_order(profile):
        cells = [stats.get((g, s.id)) for s in scales]
        shown_n = [c.n for c in cells if c is not None and c.shown]
        label = group_label(profile.by, g)
        if not shown_n:
            note = Cell(suppressed_text(profile.minimum), span=len(scales) + 1, kind="note")
            rows.append(Row(label, (note,)))
            continue
        row_n = max(shown_n)
        rows.append(Row(label, (Cell(str(row_n)), *(_score_cell(c, row_n) for c in cells))))
    columns = ("n people", *(s.title for s in scales))
    return Table(caption, corner, columns, tuple(rows))


def organisation_table(profile: Profile, scales: tuple[ScaleInfo, ...]) -> Table:
    """Practices as rows; mean, sd and n people for each organisation."""
    stats = profile_stats(profile)
    orgs = group_order(profile)
    rows = []
    for scale in scales:
        cells: list[Cell] = []
        for org in orgs:
            stat = stats.get((org, scale.id))
            if stat is None or not stat.shown:
                cells.append(Cell(suppressed_text(profile.minimum), span=3, kind="note"))
            else:
                sd = format_score(stat.sd)
                cells += [Cell(format_score(stat.mean)), Cell(sd), Cell(str(stat.n))]
        rows.append(Row(scale.title, tuple(cells)))
    columns = tuple(c for _ in orgs for c in ("Mean", "SD", "n people"))
    caption = "Leadership practices by organisation: mean, standard deviation and n people"
    return Table(caption, "Practice", columns, tuple(rows), tuple((o, 3) for o in orgs))


def systems_table(profile: Profile, scales: tuple[ScaleInfo, ...]) -> Table | None:
    """Systems scales as rows and shown sites as columns; the first row gives n people."""
    stats = profile_stats(profile)
    hidden = set(hidden_groups(profile))
    sites = [g for g in group_order(profile) if g not in hidden]
    if not sites or not scales:
        return None
    site_n = {g: max(s.n for (group, _), s in stats.items() if group == g) for g in sites}
    rows = [Row("n people", tuple(Cell(str(site_n[g])) for g in sites))]
    for scale in scales:
        cells = tuple(_score_cell(stats.get((g, scale.id)), site_n[g]) for g in sites)
        rows.append(Row(scale.title, cells))
    caption = "Systems and structures (ISO 44001 clauses) by site: mean score, n people"
    return Table(caption, "Clause / scale", tuple(sites), tuple(rows))


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
        group, n = str(rec["group"]), _count(rec.get("n_people"))
        if group in hidden_sites or n < results.anonymity_minimum:
            hidden.append(group)
            continue
        code = str(rec.get("quadrant", ""))
        x, y = _num(rec.get("system")), _num(rec.get("passion"))
        shown.append(QuadrantPoint(group, x, y, n, QUADRANT_LABELS.get(code, code)))
    return shown, list(dict.fromkeys(hidden + hidden_sites))


def continuum_table(points: list[QuadrantPoint], hidden: list[str], minimum: int) -> Table:
    rows = [
        Row(
            p.label,
            (
                Cell(str(p.n)),
                Cell(format_score(p.y)),
                Cell(format_score(p.x)),
                Cell(p.quadrant, kind="text"),
            ),
        )
        for p in points
    ]
    rows += [Row(g, (Cell(suppressed_text(minimum), span=4, kind="note"),)) for g in hidden]
    columns = ("n people", "Passion (leadership mean)", "System (management mean)", "Position")
    kinds = ("num", "num", "num", "text")
    return Table("System and passion by site", "Site", columns, tuple(rows), column_kinds=kinds)


# ---------------------------------------------------------------------------- charts


def family_ids(results: ReviewResults) -> tuple[str, str]:
    """Ids of the leadership ("passion") and management ("system") families."""
    if results.continuum is not None:
        return results.continuum.passion_family, results.continuum.system_family
    return "leadership", "management"


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
            relation_label(str(r["group"])), _count(r.get("completed")), _count(r.get("invited"))
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


def review_context(results: ReviewResults, generated_at: str) -> dict[str, Any]:
    """Everything the template shows, as ready strings, tables and SVG markup."""
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
        "systems_table": systems_table(results.systems_by_site, systems_scales),
        "systems_hidden": hidden_groups(results.systems_by_site),
        "systems_minimum": results.systems_by_site.minimum,
        "level_tables": by_family(results.level_profile, "Level"),
        "notes": results.notes,
        "answered_share": answered_share(results.min_answered_fraction),
    }


def answered_share(fraction: float) -> str:
    """The minimum answered share in words ("two thirds") or as a percentage."""
    words = {1 / 2: "half", 2 / 3: "two thirds", 3 / 4: "three quarters", 1.0: "all"}
    for value, word in words.items():
        if abs(fraction - value) < 1e-3:
            return word
    return f"{fraction:.0%}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Autoescape everywhere: site, organisation and review names are user data.
    return Environment(
        loader=PackageLoader("colead.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_review_html(results: ReviewResults, *, generated_at: str | None = None) -> str:
    """Render the relationship review report as one self-contained HTML page.

    Parameters
    ----------
    results
        The analysed wave.
    generated_at
        Text for the generation date; the current UTC time when ``None`` (pass a fixed value
        for reproducible output).

    Returns
    -------
    str
        A complete HTML document with inline CSS and SVG, and no external references.
    """
    stamp = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = _environment().get_template("review.html.j2")
    return template.render(**review_context(results, stamp))


def write_review_html(
    results: ReviewResults, path: Path, *, generated_at: str | None = None
) -> Path:
    """Render the report and write it to ``path`` atomically.

    The page is rendered first, written to a temporary file in the target directory and then
    moved over ``path`` with ``os.replace``, so a failure never leaves a half-written report.

    Parameters
    ----------
    results
        The analysed wave.
    path
        The HTML file to create or replace.
    generated_at
        Passed to ``render_review_html``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If the directory does not exist, is not writable, or ``path`` is a directory.
    """
    target = Path(path)
    html = render_review_html(results, generated_at=generated_at)
    hint = f"Check that the folder '{target.parent}' exists and that you may write to it."
    if target.is_dir():
        raise OutputError(
            f"Cannot write the report to '{target}': it is a folder.",
            hint="Give a file name, for example 'review.html'.",
        )
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"Cannot write the report to '{target}': {reason}.", hint) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); a report is a document to share, so give it
        # the mode of the file it replaces, or the usual 0644.
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise OutputError(f"Cannot write the report to '{target}': {reason}.", hint) from exc
        raise
    return target
