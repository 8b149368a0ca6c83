"""Chart specs and their plain-text alternative.

Every report chart is drawn from one of these small frozen specs (``GroupedBars``,
``Heatmap``, ``QuadrantPlot``, ``RateBars``); :func:`text_alternative` turns the same spec
into the sentence a screen reader hears, so the picture and its text cannot disagree. The
SVG drawing lives in :mod:`colead.reports.charts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

NO_DATA = "No data to show."


def format_score(value: float | None) -> str:
    """Format a mean or sd with two decimals; an en dash when there is no number."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.2f}"


def format_rate(completed: int, invited: int) -> str:
    """Format completed / invited as a whole percentage; an en dash when nobody was invited."""
    if invited <= 0:
        return "–"
    percent = 100 * completed / invited
    # 199 of 200 must not read as "100%": everyone completed or not.
    if completed < invited:
        percent = min(percent, 99.0)
    return f"{percent:.0f}%"


@dataclass(frozen=True)
class BarSeries:
    """One organisation (colour) of a grouped bar chart: one value and n per category."""

    name: str
    values: tuple[float, ...]
    n: tuple[int, ...]


@dataclass(frozen=True)
class GroupedBars:
    """Horizontal bars, one group per category (practice), one bar per series."""

    title: str
    categories: tuple[str, ...]
    series: tuple[BarSeries, ...]
    scale_min: float
    scale_max: float
    axis_label: str
    hidden: tuple[str, ...] = ()
    minimum: int = 3


@dataclass(frozen=True)
class HeatCell:
    value: float
    n: int
    shown: bool = True


@dataclass(frozen=True)
class HeatRow:
    label: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class ColumnGroup:
    label: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Heatmap:
    """Rows (sites) × grouped columns (practices); suppressed cells are hatched."""

    title: str
    rows: tuple[HeatRow, ...]
    groups: tuple[ColumnGroup, ...]
    scale_min: float
    scale_max: float
    minimum: int = 3


@dataclass(frozen=True)
class QuadrantPoint:
    label: str
    x: float
    y: float
    n: int
    quadrant: str = ""


@dataclass(frozen=True)
class QuadrantPlot:
    """Scatter with one threshold on both axes; ``corners`` name the quadrants
    top-left, top-right, bottom-left, bottom-right."""

    title: str
    points: tuple[QuadrantPoint, ...]
    threshold: float
    scale_min: float
    scale_max: float
    x_label: str
    y_label: str
    corners: tuple[str, str, str, str]
    x_name: str = "system"
    y_name: str = "passion"


@dataclass(frozen=True)
class RateBar:
    label: str
    completed: int
    invited: int


@dataclass(frozen=True)
class RateBars:
    title: str
    bars: tuple[RateBar, ...]
    axis_label: str = "Forms completed, % of invited"


@dataclass(frozen=True)
class Interval:
    """One estimate with its 95% interval; ``n`` says what it rests on ("66 vs 234")."""

    label: str
    estimate: float
    low: float
    high: float
    n: str


@dataclass(frozen=True)
class IntervalPlot:
    """Estimates with confidence intervals on one axis, around a reference line (no
    difference); ``better`` names the direction that is an improvement."""

    title: str
    rows: tuple[Interval, ...]
    axis_label: str
    reference: float = 0.0
    better: str = "right"


@dataclass(frozen=True)
class ScatterPlot:
    """Groups (sites) as points, with an optional least-squares line; ``note`` carries the
    correlation and its interval."""

    title: str
    points: tuple[QuadrantPoint, ...]
    x_label: str
    y_label: str
    note: str = ""
    line: tuple[float, float] | None = None  # intercept, slope


Chart = GroupedBars | Heatmap | QuadrantPlot | RateBars | IntervalPlot | ScatterPlot


# ---------------------------------------------------------------------------- text


def n_label(n: int) -> str:
    """``n = 12``: how every count is written next to its number."""
    return f"n = {n}"


def text_alternative(chart: Chart) -> str:
    """Plain-text equivalent of a chart: every value with its n, for ``<desc>`` and readers.

    Parameters
    ----------
    chart
        Any chart spec of this module.

    Returns
    -------
    str
        One paragraph, unescaped (the caller escapes it for its output).
    """
    if isinstance(chart, GroupedBars):
        parts = [f"{chart.title}. Scale {chart.scale_min:g} to {chart.scale_max:g}."]
        if chart.series:
            for i, category in enumerate(chart.categories):
                values = "; ".join(
                    f"{s.name} {format_score(s.values[i])} ({n_label(s.n[i])})"
                    for s in chart.series
                )
                parts.append(f"{category}: {values}.")
        else:
            parts.append(NO_DATA)
        if chart.hidden:
            parts.append(
                f"Not shown (fewer than {chart.minimum} people): {', '.join(chart.hidden)}."
            )
        return " ".join(parts)
    if isinstance(chart, Heatmap):
        columns = [c for g in chart.groups for c in g.columns]
        parts = [f"{chart.title}. Scale {chart.scale_min:g} to {chart.scale_max:g}."]
        for row in chart.rows:
            shown = [(c, cell) for c, cell in zip(columns, row.cells, strict=True) if cell.shown]
            if not shown:
                parts.append(f"{row.label}: not shown (fewer than {chart.minimum} people).")
                continue
            values = ", ".join(
                f"{c} {format_score(cell.value)} ({n_label(cell.n)})" for c, cell in shown
            )
            parts.append(f"{row.label}: {values}.")
        if not chart.rows or not columns:
            parts.append(NO_DATA)
        return " ".join(parts)
    if isinstance(chart, QuadrantPlot):
        parts = [
            f"{chart.title}. Horizontal axis: {chart.x_label}; vertical axis: {chart.y_label}. "
            f"Threshold {format_score(chart.threshold)} on both axes."
        ]
        for p in chart.points:
            where = f", {p.quadrant}" if p.quadrant else ""
            parts.append(
                f"{p.label}: {chart.y_name} {format_score(p.y)}, "
                f"{chart.x_name} {format_score(p.x)} ({n_label(p.n)}){where}."
            )
        if not chart.points:
            parts.append(NO_DATA)
        return " ".join(parts)
    if isinstance(chart, ScatterPlot):
        parts = [
            f"{chart.title}. Horizontal axis: {chart.x_label}; vertical axis: {chart.y_label}."
        ]
        if chart.note:
            parts.append(f"{chart.note}.")
        for point in chart.points:
            parts.append(
                f"{point.label}: {format_score(point.x)} ({n_label(point.n)}), {point.y:g}."
            )
        if not chart.points:
            parts.append(NO_DATA)
        return " ".join(parts)
    if isinstance(chart, IntervalPlot):
        parts = [f"{chart.title}. {chart.axis_label}; {chart.reference:g} means no difference."]
        for interval in chart.rows:
            parts.append(
                f"{interval.label}: {interval.estimate:+.2f} (95% CI {interval.low:+.2f} to "
                f"{interval.high:+.2f}; {interval.n})."
            )
        if not chart.rows:
            parts.append(NO_DATA)
        return " ".join(parts)
    parts = [f"{chart.title}."]
    for bar in chart.bars:
        rate = format_rate(bar.completed, bar.invited)
        parts.append(f"{bar.label}: {rate} ({bar.completed} of {bar.invited} forms).")
    if not chart.bars:
        parts.append(NO_DATA)
    return " ".join(parts)
