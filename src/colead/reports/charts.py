"""Report charts as inline SVG strings.

Every chart is drawn from a small frozen spec (``GroupedBars``, ``Heatmap``, ``QuadrantPlot``,
``RateBars``, in :mod:`colead.reports.chart_specs`) so the same data gives the SVG and its
plain-text alternative (``text_alternative``). The SVG needs no script, font file or
network: it is pasted into the page as is, prints, and is read by screen readers through
``role="img"``, ``aria-label`` and ``<desc>``. All text in a spec is user data (site and
organisation names) and is escaped here. Colours are Okabe & Ito (2008) for categories and
viridis for the sequential ramp, both readable with the common colour-vision deficiencies.

Each ``*_chart(spec, *, chart_id)`` function returns one ``<svg>`` element string; ``chart_id``
must be unique within the page (it prefixes the ids of ``<desc>``, patterns and gradients).
Empty input gives a small "No data to show." panel; NaN values are drawn as "no score".
:func:`render_chart` adds the phone layout of :mod:`colead.reports.narrow_charts` before the
wide one, for the report pages to pick from by screen width.
"""

from __future__ import annotations

from colead.reports import svg
from colead.reports.chart_specs import (
    NO_DATA,
    BarSeries,
    Chart,
    ColumnGroup,
    GroupedBars,
    HeatCell,
    Heatmap,
    HeatRow,
    Interval,
    IntervalPlot,
    QuadrantPlot,
    QuadrantPoint,
    RateBar,
    RateBars,
    ScatterPlot,
    format_rate,
    format_score,
    n_label,
    text_alternative,
)
from colead.reports.narrow_charts import narrow_chart
from colead.reports.svg import (
    BOLD,
    END,
    HALO,
    INK,
    MID,
    MUTED,
    OKABE_ITO,
    ramp_colour,
)

# The specs live in chart_specs; they are re-exported so callers import charts from one place.
__all__ = [
    "NO_DATA",
    "BarSeries",
    "Chart",
    "ColumnGroup",
    "GroupedBars",
    "HeatCell",
    "HeatRow",
    "Heatmap",
    "Interval",
    "IntervalPlot",
    "QuadrantPlot",
    "QuadrantPoint",
    "RateBar",
    "RateBars",
    "ScatterPlot",
    "format_rate",
    "format_score",
    "grouped_bar_chart",
    "heatmap_chart",
    "interval_chart",
    "quadrant_chart",
    "ramp_colour",
    "rate_chart",
    "render_chart",
    "scatter_chart",
    "text_alternative",
    "wide_chart",
]


# ---------------------------------------------------------------------------- charts


def grouped_bar_chart(chart: GroupedBars, *, chart_id: str = "bars") -> str:
    """Grouped horizontal bars on the response scale, each labelled with value and n."""
    cid = svg.safe_id(chart_id)
    if not chart.categories or not chart.series:
        return svg.empty_chart(cid, chart)
    label_w, plot_w, right = 230.0, 380.0, 110.0
    width = label_w + plot_w + right
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(chart.series))]
    names = [f"{s.name} ({n_label(max(s.n, default=0))})" for s in chart.series]
    legend, legend_rows = svg.legend(list(zip(names, colours, strict=True)), 10, 16, width - 20)
    legend_h = 18 * legend_rows
    bar_h, gap, group_gap = 16.0, 3.0, 16.0
    group_h = len(chart.series) * (bar_h + gap) - gap + group_gap
    top = legend_h + 18
    plot_h = len(chart.categories) * group_h
    low, high = float(chart.scale_min), float(chart.scale_max)
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return label_w + (svg.clamp(value, low, high) - low) / span * plot_w

    parts = [*svg.open_svg(cid, width, top + plot_h + 46, chart), *legend]
    for tick in svg.ticks(low, high, 1.0):
        parts.append(svg.line(x_of(tick), top - 4, x_of(tick), top + plot_h))
        parts.append(svg.text(x_of(tick), top + plot_h + 16, f"{tick:g}", **MID))
    parts.append(svg.text(label_w + plot_w / 2, top + plot_h + 38, chart.axis_label, **MID))
    for gi, category in enumerate(chart.categories):
        y0 = top + gi * group_h
        # bold glyphs run about 0.6 em wide: 30 of them fill the 222 px left of the axis
        lines = svg.wrap(category, 30, 2)
        centre = y0 + (group_h - group_gap) / 2 + 4
        for li, line in enumerate(lines):
            ly = centre + (li - (len(lines) - 1) / 2) * 14
            parts.append(svg.text(label_w - 8, ly, line, **END, **BOLD))
        for si, series in enumerate(chart.series):
            y = y0 + si * (bar_h + gap)
            value, n = series.values[gi], series.n[gi]
            if not svg.finite(value):
                parts.append(svg.text(label_w + 4, y + 12, f"{series.name}: no score", fill=MUTED))
                continue
            label = f"{format_score(value)} ({n_label(n)})"
            size = {"width": max(x_of(value) - label_w, 1.0), "height": bar_h}
            bar = svg.el("rect", x=label_w, y=y, **size, fill=colours[si])
            tip = f"{category}, {series.name}: {label}"
            parts.append(svg.tip(tip, bar, svg.text(x_of(value) + 4, y + 12, label)))
    parts.append(svg.line(label_w, top - 4, label_w, top + plot_h, stroke=INK))
    return svg.close_svg(parts)


def heatmap_chart(chart: Heatmap, *, chart_id: str = "heatmap") -> str:
    """Rows × grouped columns; each cell prints its value, hatched grey when suppressed."""
    cid = svg.safe_id(chart_id)
    columns = [c for g in chart.groups for c in g.columns]
    if not chart.rows or not columns:
        return svg.empty_chart(cid, chart)
    label_w = svg.clamp(max(svg.text_width(r.label, 12) for r in chart.rows) + 16, 90, 200)
    cell_w, cell_h, group_gap, header_top = 74.0, 32.0, 12.0, 18.0
    col_top, top = header_top + 20, header_top + 20 + 5 * 13 + 8
    xs: list[float] = []
    spans: list[tuple[str, float, float]] = []
    x = label_w
    for group in chart.groups:
        start = x
        for _ in group.columns:
            xs.append(x)
            x += cell_w
        spans.append((group.label, start, x))
        x += group_gap
    n_x = x - group_gap + 10
    bottom = top + len(chart.rows) * cell_h
    parts = svg.open_svg(cid, n_x + 70, bottom + 74, chart)
    parts.append(svg.heat_defs(cid, label_w))
    for label, start, end in spans:
        parts.append(svg.text((start + end) / 2, header_top, label, **MID, font_weight=700))
        parts.append(svg.line(start + 2, header_top + 6, end - 2, header_top + 6, stroke=INK))
    for cx, column in zip(xs, columns, strict=True):
        for li, line in enumerate(svg.wrap(column, 12, 5)):
            parts.append(
                svg.text(cx + cell_w / 2, col_top + 10 + li * 13, line, **MID, font_size=11)
            )
    parts.append(svg.text(n_x + 4, col_top + 10, "people", font_size=11))
    for ri, row in enumerate(chart.rows):
        y = top + ri * cell_h
        parts.append(svg.text(label_w - 8, y + cell_h / 2 + 4, row.label, **END, **BOLD))
        shown_n = [c.n for c in row.cells if c.shown]
        n_text = n_label(max(shown_n)) if shown_n else f"n<{chart.minimum}"
        parts.append(svg.text(n_x + 4, y + cell_h / 2 + 4, n_text))
        for cx, column, cell in zip(xs, columns, row.cells, strict=True):
            box = {"x": cx + 1, "y": y + 1, "width": cell_w - 2, "height": cell_h - 2}
            parts.append(svg.heat_cell(cid, box, f"{row.label}, {column}", cell, chart))
    parts.extend(svg.heat_key(cid, chart, label_w, bottom + 26))
    return svg.close_svg(parts)


def quadrant_chart(chart: QuadrantPlot, *, chart_id: str = "quadrant") -> str:
    """Labelled points, threshold lines, quadrant names; points lacking x or y are left out."""
    cid = svg.safe_id(chart_id)
    points = [p for p in chart.points if svg.finite(p.x) and svg.finite(p.y)]
    if not points:
        return svg.empty_chart(cid, chart)
    low, high = svg.quadrant_range(chart, points)
    left, top, size, right = 64.0, 16.0, 420.0, 170.0
    width = left + size + right
    frame, px, py = svg.quadrant_frame(left, top, size, low, high, chart.threshold)
    parts = svg.open_svg(cid, width, top + size + 56, chart) + frame
    ty = py(chart.threshold)
    threshold = f"threshold {format_score(chart.threshold)}"
    parts.append(svg.text(left + size + 4, ty + 4, threshold, fill=MUTED, font_size=11))
    corners = (
        (left + 8, top + 18, "start"),
        (left + size - 8, top + 18, "end"),
        (left + 8, top + size - 8, "start"),
        (left + size - 8, top + size - 8, "end"),
    )
    for (cx, cy, anchor), name in zip(corners, chart.corners, strict=True):
        parts.append(
            svg.text(
                cx, cy, name, text_anchor=anchor, fill=MUTED, font_style="italic", halo="#fafafa"
            )
        )
    parts.append(svg.text(left + size / 2, top + size + 40, chart.x_label, **MID, **BOLD))
    turn = f"translate(16 {top + size / 2:.1f}) rotate(-90)"
    parts.append(svg.el("text", svg.esc(chart.y_label), transform=turn, **MID, **BOLD))
    ordered = sorted(points, key=lambda q: -q.y)
    dots = [(px(p.x), py(p.y), p.label) for p in ordered]
    spots = svg.place_labels(dots, 12, (4.0, 0.0, width - 4, top + size + 24))
    for p, (x, y, _), (lx, ly) in zip(ordered, dots, spots, strict=True):
        tip = f"{p.label}: {chart.y_name} {format_score(p.y)}, {chart.x_name} {format_score(p.x)}"
        tip += f" ({n_label(p.n)})" + (f", {p.quadrant}" if p.quadrant else "")
        dot = svg.el(
            "circle", cx=x, cy=y, r=6, fill=OKABE_ITO[0], stroke="#ffffff", stroke_width=1.5
        )
        label = svg.text(lx, ly, p.label, **HALO)
        parts.append(svg.tip(tip, dot, label))
    return svg.close_svg(parts)


def rate_chart(chart: RateBars, *, chart_id: str = "rates") -> str:
    """Completion-rate bars (0–100 %), each labelled with completed of invited."""
    cid = svg.safe_id(chart_id)
    if not chart.bars:
        return svg.empty_chart(cid, chart)
    label_w, plot_w, bar_h, gap, top = 170.0, 340.0, 18.0, 8.0, 10.0
    plot_h = len(chart.bars) * (bar_h + gap)
    parts = svg.open_svg(cid, label_w + plot_w + 150, top + plot_h + 44, chart)
    for tick in (0, 25, 50, 75, 100):
        x = label_w + tick / 100 * plot_w
        parts.append(svg.line(x, top, x, top + plot_h))
        parts.append(svg.text(x, top + plot_h + 16, f"{tick}%", **MID))
    parts.append(
        svg.text(label_w + plot_w / 2, top + plot_h + 36, chart.axis_label, **MID, fill=MUTED)
    )
    for i, bar in enumerate(chart.bars):
        y = top + i * (bar_h + gap) + gap / 2
        parts.append(svg.text(label_w - 8, y + 13, bar.label, **END))
        if bar.invited <= 0:
            parts.append(svg.text(label_w + 4, y + 13, "no forms invited", fill=MUTED))
            continue
        x_end = label_w + svg.clamp(bar.completed / bar.invited, 0.0, 1.0) * plot_w
        label = f"{format_rate(bar.completed, bar.invited)} ({bar.completed} of {bar.invited})"
        rect = svg.el(
            "rect", x=label_w, y=y, width=max(x_end - label_w, 1.0), height=bar_h, fill=OKABE_ITO[0]
        )
        parts.append(
            svg.tip(f"{bar.label}: {label} forms", rect, svg.text(x_end + 4, y + 13, label))
        )
    parts.append(svg.line(label_w, top, label_w, top + plot_h, stroke=INK))
    return svg.close_svg(parts)


def interval_chart(chart: IntervalPlot, *, chart_id: str = "intervals") -> str:
    """Each estimate as a dot with its 95% interval as a line, around the reference line."""
    cid = svg.safe_id(chart_id)
    rows = [r for r in chart.rows if svg.finite(r.estimate)]
    if not rows:
        return svg.empty_chart(cid, chart)
    widest = max(svg.text_width(r.label, 12) for r in rows)
    label_w, plot_w, row_h, top = min(widest + 16, 320.0), 330.0, 26.0, 10.0
    values = [chart.reference, *(v for r in rows for v in (r.low, r.high) if svg.finite(v))]
    span = max(max(values) - min(values), 0.1)
    low, high = min(values) - 0.1 * span, max(values) + 0.1 * span
    step = svg.nice_step(high - low)

    def x_of(value: float) -> float:
        return label_w + (svg.clamp(value, low, high) - low) / (high - low) * plot_w

    plot_h = len(rows) * row_h
    parts = svg.open_svg(cid, label_w + plot_w + 60, top + plot_h + 44, chart)
    for tick in svg.ticks(low, high, step):
        parts.append(svg.line(x_of(tick), top, x_of(tick), top + plot_h))
        parts.append(svg.text(x_of(tick), top + plot_h + 16, f"{tick:+g}" if tick else "0", **MID))
    zero = x_of(chart.reference)
    parts.append(svg.line(zero, top, zero, top + plot_h, stroke=INK, stroke_dasharray="4 3"))
    arrow = "→" if chart.better == "right" else "←"
    parts.append(
        svg.text(
            label_w + plot_w / 2,
            top + plot_h + 36,
            f"{chart.axis_label} ({arrow} better)",
            **MID,
            fill=MUTED,
        )
    )
    for i, row in enumerate(rows):
        y = top + i * row_h + row_h / 2
        parts.append(svg.text(label_w - 8, y + 4, row.label, **END))
        parts.append(svg.interval_mark(row, x_of, y, label_w + plot_w + 8))
    return svg.close_svg(parts)


def scatter_chart(chart: ScatterPlot, *, chart_id: str = "scatter") -> str:
    """Points with labels and, when given, the least-squares line across their x range."""
    cid = svg.safe_id(chart_id)
    points = [p for p in chart.points if svg.finite(p.x) and svg.finite(p.y)]
    if not points:
        return svg.empty_chart(cid, chart)
    left, plot_w, plot_h, top = 70.0, 380.0, 240.0, 12.0
    xs, ys = [p.x for p in points], [p.y for p in points]
    x_low, x_high = min(xs) - 0.1, max(xs) + 0.1
    pad = max((max(ys) - min(ys)) * 0.1, 0.5)
    y_low, y_high = min(ys) - pad, max(ys) + pad

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            left + (x - x_low) / (x_high - x_low) * plot_w,
            top + plot_h - (y - y_low) / (y_high - y_low) * plot_h,
        )

    parts = svg.open_svg(cid, left + plot_w + 130, top + plot_h + 48, chart)
    for tick in svg.ticks(x_low, x_high, svg.nice_step(x_high - x_low)):
        x, _ = at(tick, y_low)
        parts.append(svg.line(x, top, x, top + plot_h))
        parts.append(svg.text(x, top + plot_h + 16, f"{tick:.2f}".rstrip("0").rstrip("."), **MID))
    for tick in svg.ticks(y_low, y_high, svg.nice_step(y_high - y_low)):
        _, y = at(x_low, tick)
        parts.append(svg.line(left, y, left + plot_w, y))
        parts.append(svg.text(left - 6, y + 4, f"{tick:g}", **END))
    parts.append(svg.text(left + plot_w / 2, top + plot_h + 38, chart.x_label, **MID, fill=MUTED))
    parts.append(
        svg.text(14, top + plot_h / 2, chart.y_label, **MID, fill=MUTED,
                 transform=f"rotate(-90 14 {top + plot_h / 2:.1f})")
    )  # fmt: skip
    if chart.line is not None:
        intercept, slope = chart.line
        (x1, y1), (x2, y2) = (
            at(min(xs), intercept + slope * min(xs)),
            at(max(xs), intercept + slope * max(xs)),
        )
        parts.append(svg.line(x1, y1, x2, y2, stroke=OKABE_ITO[1], stroke_width=2))
    dots = [(*at(p.x, p.y), p.label) for p in points]
    spots = svg.place_labels(dots, 12, (4.0, 0.0, left + plot_w + 126, top + plot_h + 20))
    for p, (x, y, _), (lx, ly) in zip(points, dots, spots, strict=True):
        dot = svg.el("circle", cx=x, cy=y, r=5, fill=OKABE_ITO[0], stroke="#ffffff")
        label = svg.text(lx, ly, p.label, **HALO)
        parts.append(
            svg.tip(f"{p.label}: {format_score(p.x)}, {p.y:g} ({n_label(p.n)})", dot, label)
        )
    return svg.close_svg(parts)


def render_chart(chart: Chart, *, chart_id: str) -> str:
    """Draw any chart spec twice: its phone layout (``class="chart narrow"``, id
    ``{chart_id}-narrow``, see :mod:`colead.reports.narrow_charts`), then its wide layout
    (``class="chart"``, id ``chart_id``). The report's style sheet shows the phone layout on
    small screens and the wide one elsewhere and in print. ``chart_id`` must be unique
    within the page."""
    return narrow_chart(chart, chart_id=chart_id) + "\n" + wide_chart(chart, chart_id=chart_id)


def wide_chart(chart: Chart, *, chart_id: str) -> str:
    """Draw any chart spec in its wide layout only; ``chart_id`` must be unique within the page."""
    if isinstance(chart, GroupedBars):
        return grouped_bar_chart(chart, chart_id=chart_id)
    if isinstance(chart, Heatmap):
        return heatmap_chart(chart, chart_id=chart_id)
    if isinstance(chart, QuadrantPlot):
        return quadrant_chart(chart, chart_id=chart_id)
    if isinstance(chart, IntervalPlot):
        return interval_chart(chart, chart_id=chart_id)
    if isinstance(chart, ScatterPlot):
        return scatter_chart(chart, chart_id=chart_id)
    return rate_chart(chart, chart_id=chart_id)
