"""Phone layouts of the report charts, about 400 px wide.

A wide chart (580 to 920 px) shrunk onto a 390 px phone prints its 12 px text at 4 to 7 px.
Each function here draws the same spec for a width of :data:`NARROW_WIDTH`: names sit on
their own line above their bars instead of in a column beside them, the heatmap stacks its
column groups, and the plots are smaller squares with fewer ticks. The text keeps its 10 to
12 px and so reads at 9 px or more on a 360 px screen, 10 px or more on a 390 px one.

:func:`colead.reports.charts.render_chart` puts this layout before the wide one; the
report's style sheet shows one of the two by screen width, and print always takes the wide
one. Both come from one spec: they show the same values with the same n and hide the same
groups.
"""

from __future__ import annotations

from colead.reports import svg
from colead.reports.chart_specs import (
    Chart,
    GroupedBars,
    Heatmap,
    IntervalPlot,
    QuadrantPlot,
    RateBars,
    ScatterPlot,
    format_rate,
    format_score,
    n_label,
)
from colead.reports.svg import BOLD, END, HALO, INK, MID, MUTED, OKABE_ITO

#: the width every phone layout is drawn for, in SVG units (px at scale 1)
NARROW_WIDTH = 400.0
#: room kept left of the drawing, so that nothing touches the screen's edge
EDGE = 4.0


def _chars(width: float, size: float, bold: bool = False) -> int:
    """How many characters of ``size`` px text fit in ``width`` (see :func:`svg.text_width`)."""
    return max(int(width / (size * (0.6 if bold else 0.56))), 4)


def narrow_chart(chart: Chart, *, chart_id: str) -> str:
    """The phone layout of any chart spec, with id ``{chart_id}-narrow``."""
    cid = svg.safe_id(chart_id) + "-narrow"
    if isinstance(chart, GroupedBars):
        return _grouped_bars(chart, cid)
    if isinstance(chart, Heatmap):
        return _heatmap(chart, cid)
    if isinstance(chart, QuadrantPlot):
        return _quadrant(chart, cid)
    if isinstance(chart, IntervalPlot):
        return _intervals(chart, cid)
    if isinstance(chart, ScatterPlot):
        return _scatter(chart, cid)
    return _rates(chart, cid)


def _name_lines(parts: list[str], name: str, y: float, *, bold: bool = False) -> float:
    """A bar's or row's name on up to two full-width lines from baseline ``y`` on; returns
    the baseline of its last line."""
    lines = svg.wrap(name, _chars(NARROW_WIDTH - 2 * EDGE, 12, bold), 2)
    for k, line in enumerate(lines):
        parts.append(svg.text(EDGE, y + 15 * k, line, **(BOLD if bold else {})))
    return y + 15 * (len(lines) - 1)


def _grid(xs: list[float], bands: list[tuple[float, float]], **style: object) -> list[str]:
    """Vertical lines at ``xs`` drawn beside the marks only, band by band (top, bottom):
    with the names on lines of their own, a line through the whole height would cross them."""
    return [svg.line(x, y0, x, y1, **style) for x in xs for y0, y1 in bands]


def _axis_label(parts: list[str], label: str, y: float) -> float:
    """A centred axis title on up to two lines; returns the baseline of its last line."""
    lines = svg.wrap(label, _chars(NARROW_WIDTH - 2 * EDGE, 11), 2)
    for k, line in enumerate(lines):
        parts.append(svg.text(NARROW_WIDTH / 2, y + 14 * k, line, **MID, fill=MUTED, font_size=11))
    return y + 14 * (len(lines) - 1)


def _grouped_bars(chart: GroupedBars, cid: str) -> str:
    if not chart.categories or not chart.series:
        return svg.empty_chart(cid, chart, narrow=True)
    # the widest bar label, "3.21 (n = 227)", fits right of a full bar
    plot_w = NARROW_WIDTH - EDGE - 96
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(chart.series))]
    names = [f"{s.name} ({n_label(max(s.n, default=0))})" for s in chart.series]
    legend, legend_rows = svg.legend(
        list(zip(names, colours, strict=True)), EDGE, 14, NARROW_WIDTH - 2 * EDGE
    )
    low, high = float(chart.scale_min), float(chart.scale_max)
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return EDGE + (svg.clamp(value, low, high) - low) / span * plot_w

    bar_h, gap = 14.0, 3.0
    top = 18.0 * legend_rows + 8
    labels: list[str] = []
    bars: list[str] = []
    bands: list[tuple[float, float]] = []
    y = top
    for gi, category in enumerate(chart.categories):
        y = _name_lines(labels, category, y + 14, bold=True) + 6
        bands.append((y - 2, y + len(chart.series) * (bar_h + gap) - gap + 2))
        for si, series in enumerate(chart.series):
            value, n = series.values[gi], series.n[gi]
            if not svg.finite(value):
                bars.append(svg.text(EDGE + 4, y + 11, f"{series.name}: no score", fill=MUTED))
            else:
                label = f"{format_score(value)} ({n_label(n)})"
                size = {"width": max(x_of(value) - EDGE, 1.0), "height": bar_h}
                bar = svg.el("rect", x=EDGE, y=y, **size, fill=colours[si])
                tip = f"{category}, {series.name}: {label}"
                value_text = svg.text(x_of(value) + 4, y + 11, label, **HALO)
                bars.append(svg.tip(tip, bar, value_text))
            y += bar_h + gap
        y += 8
    bottom = y - 8
    ticks = svg.ticks(low, high, 1.0)
    grid = [*_grid([x_of(t) for t in ticks], bands), *_grid([EDGE], bands, stroke=INK)]
    axis = [svg.text(x_of(t), bottom + 16, f"{t:g}", **MID) for t in ticks]
    end = _axis_label(axis, chart.axis_label, bottom + 34)
    parts = [*svg.open_svg(cid, NARROW_WIDTH, end + 10, chart, narrow=True), *legend]
    parts += [*grid, *labels, *bars, *axis]
    return svg.close_svg(parts)


def _rates(chart: RateBars, cid: str) -> str:
    if not chart.bars:
        return svg.empty_chart(cid, chart, narrow=True)
    # the widest label, "88% (657 of 746)", fits right of a full bar
    plot_w = NARROW_WIDTH - EDGE - 112
    bar_h, gap, top = 14.0, 10.0, 4.0
    labels: list[str] = []
    bars: list[str] = []
    bands: list[tuple[float, float]] = []
    y = top
    for bar in chart.bars:
        y = _name_lines(labels, bar.label, y + 12) + 5
        bands.append((y - 2, y + bar_h + 2))
        if bar.invited <= 0:
            bars.append(svg.text(EDGE + 4, y + 11, "no forms invited", fill=MUTED))
        else:
            x_end = EDGE + svg.clamp(bar.completed / bar.invited, 0.0, 1.0) * plot_w
            label = f"{format_rate(bar.completed, bar.invited)} ({bar.completed} of {bar.invited})"
            rect = svg.el(
                "rect", x=EDGE, y=y, width=max(x_end - EDGE, 1.0), height=bar_h, fill=OKABE_ITO[0]
            )
            text = svg.text(x_end + 4, y + 11, label, **HALO)
            bars.append(svg.tip(f"{bar.label}: {label} forms", rect, text))
        y += bar_h + gap
    bottom = y - gap + 4
    axis: list[str] = []
    xs = [EDGE + tick / 100 * plot_w for tick in (0, 25, 50, 75, 100)]
    for tick, x in zip((0, 25, 50, 75, 100), xs, strict=True):
        # the 0% label starts at the axis rather than centring on it, off the drawing
        axis.append(
            svg.text(x, bottom + 16, f"{tick}%", text_anchor="start" if not tick else "middle")
        )
    end = _axis_label(axis, chart.axis_label, bottom + 34)
    parts = svg.open_svg(cid, NARROW_WIDTH, end + 10, chart, narrow=True)
    parts += [*_grid(xs, bands), *_grid([EDGE], bands, stroke=INK), *labels, *bars, *axis]
    return svg.close_svg(parts)


def _intervals(chart: IntervalPlot, cid: str) -> str:
    rows = [r for r in chart.rows if svg.finite(r.estimate)]
    if not rows:
        return svg.empty_chart(cid, chart, narrow=True)
    # "+0.32" right of the plot; a few px either side so end ticks' labels stay inside
    left, plot_w = EDGE + 14, NARROW_WIDTH - EDGE - 14 - 52
    values = [chart.reference, *(v for r in rows for v in (r.low, r.high) if svg.finite(v))]
    span = max(max(values) - min(values), 0.1)
    low, high = min(values) - 0.1 * span, max(values) + 0.1 * span
    step = svg.nice_step(high - low, most=5)

    def x_of(value: float) -> float:
        return left + (svg.clamp(value, low, high) - low) / (high - low) * plot_w

    top = 4.0
    labels: list[str] = []
    marks: list[str] = []
    bands: list[tuple[float, float]] = []
    y = top
    for row in rows:
        y = _name_lines(labels, row.label, y + 12) + 12
        bands.append((y - 8, y + 8))
        marks.append(svg.interval_mark(row, x_of, y, left + plot_w + 8))
        y += 10
    bottom = y
    ticks = svg.ticks(low, high, step)
    grid = _grid([x_of(t) for t in ticks], bands)
    axis = [svg.text(x_of(t), bottom + 16, f"{t:+g}" if t else "0", **MID) for t in ticks]
    grid += _grid([x_of(chart.reference)], bands, stroke=INK, stroke_dasharray="4 3")
    arrow = "→" if chart.better == "right" else "←"
    end = _axis_label(axis, f"{chart.axis_label} ({arrow} better)", bottom + 34)
    parts = svg.open_svg(cid, NARROW_WIDTH, end + 10, chart, narrow=True)
    parts += [*grid, *labels, *marks, *axis]
    return svg.close_svg(parts)


def _heatmap(chart: Heatmap, cid: str) -> str:
    columns = [c for g in chart.groups for c in g.columns]
    if not chart.rows or not columns:
        return svg.empty_chart(cid, chart, narrow=True)
    # bold capitals run wider than the 0.56 em of an average glyph
    widest = max(svg.text_width(r.label, 12) * 1.15 for r in chart.rows)
    label_w = svg.clamp(widest + 12, 56, 120)
    most = max(len(g.columns) for g in chart.groups)
    cell_w = max((NARROW_WIDTH - label_w - EDGE) / most, 52.0)
    width = label_w + most * cell_w + EDGE
    cell_h = 34.0
    parts: list[str] = []
    y = 0.0
    index = 0
    for group in chart.groups:
        # Each column group is a block of its own: its name, its column names, every row.
        y += 18
        middle = label_w + len(group.columns) * cell_w / 2
        parts.append(svg.text(middle, y, group.label, **MID, font_weight=700))
        parts.append(
            svg.line(
                label_w + 2, y + 6, label_w + len(group.columns) * cell_w - 2, y + 6, stroke=INK
            )
        )
        # 10 px, the smallest text of the phone charts: five names share under 320 px
        heads = [svg.wrap(c, _chars(cell_w - 4, 10), 6, break_words=True) for c in group.columns]
        for k, lines in enumerate(heads):
            cx = label_w + k * cell_w + cell_w / 2
            for li, line in enumerate(lines):
                parts.append(svg.text(cx, y + 20 + li * 11, line, **MID, font_size=10))
        y += 20 + 11 * max(len(lines) for lines in heads) - 4
        for row in chart.rows:
            cells = row.cells[index : index + len(group.columns)]
            name = svg.wrap(row.label, _chars(label_w - 8, 12, bold=True), 1)[0]
            parts.append(svg.text(label_w - 6, y + 15, name, **END, **BOLD))
            shown_n = [c.n for c in row.cells if c.shown]
            n_text = n_label(max(shown_n)) if shown_n else f"n<{chart.minimum}"
            parts.append(svg.text(label_w - 6, y + 28, n_text, **END, fill=MUTED, font_size=10))
            for k, (column, cell) in enumerate(zip(group.columns, cells, strict=True)):
                box = {"x": label_w + k * cell_w + 1, "y": y + 1, "width": cell_w - 2}
                box["height"] = cell_h - 2
                parts.append(svg.heat_cell(cid, box, f"{row.label}, {column}", cell, chart))
            y += cell_h
        index += len(group.columns)
        y += 6
    key_x = EDGE + 2
    opening = svg.open_svg(cid, width, y + 96, chart, narrow=True)
    parts = [*opening, svg.heat_defs(cid, key_x), *parts]
    parts.extend(svg.heat_key(cid, chart, key_x, y + 26, stacked=True))
    return svg.close_svg(parts)


def _quadrant(chart: QuadrantPlot, cid: str) -> str:
    points = [p for p in chart.points if svg.finite(p.x) and svg.finite(p.y)]
    if not points:
        return svg.empty_chart(cid, chart, narrow=True)
    low, high = svg.quadrant_range(chart, points)  # the same zoom as the wide chart
    left, top = 46.0, 8.0
    size = NARROW_WIDTH - left - 14  # room for the last tick label, centred on the edge
    parts, px, py = svg.quadrant_frame(left, top, size, low, high, chart.threshold)
    corner_chars = _chars(size / 2 - 12, 11)
    corners = (
        (left + 6, top + 16, "start", 1),
        (left + size - 6, top + 16, "end", 1),
        (left + 6, top + size - 8, "start", -1),
        (left + size - 6, top + size - 8, "end", -1),
    )
    for (cx, cy, anchor, down), name in zip(corners, chart.corners, strict=True):
        lines = svg.wrap(name, corner_chars, 2)
        # bottom corners grow upwards, so their last line stays on the corner
        for k, line in enumerate(lines if down > 0 else reversed(lines)):
            style = {"fill": MUTED, "font_style": "italic", "font_size": 11, "halo": "#fafafa"}
            parts.append(svg.text(cx, cy + down * 13 * k, line, text_anchor=anchor, **style))
    parts.append(svg.text(left + size / 2, top + size + 36, chart.x_label, **MID, **BOLD))
    # the threshold goes in words under the axis title: inside the plot it would cover dots
    threshold = f"dashed lines: threshold {format_score(chart.threshold)}"
    parts.append(
        svg.text(left + size / 2, top + size + 52, threshold, **MID, fill=MUTED, font_size=11)
    )
    turn = f"translate(14 {top + size / 2:.1f}) rotate(-90)"
    parts.append(svg.el("text", svg.esc(chart.y_label), transform=turn, **MID, **BOLD))
    ordered = sorted(points, key=lambda q: -q.y)
    dots = [(px(p.x), py(p.y), p.label) for p in ordered]
    spots = svg.place_labels(dots, 12, (left + 2, top, NARROW_WIDTH - 2, top + size))
    for p, (x, y, _), (lx, ly) in zip(ordered, dots, spots, strict=True):
        tip = f"{p.label}: {chart.y_name} {format_score(p.y)}, {chart.x_name} {format_score(p.x)}"
        tip += f" ({n_label(p.n)})" + (f", {p.quadrant}" if p.quadrant else "")
        dot = svg.el(
            "circle", cx=x, cy=y, r=5, fill=OKABE_ITO[0], stroke="#ffffff", stroke_width=1.5
        )
        parts.append(svg.tip(tip, dot, svg.text(lx, ly, p.label, **HALO)))
    opening = svg.open_svg(cid, NARROW_WIDTH, top + size + 62, chart, narrow=True)
    return svg.close_svg([*opening, *parts])


def _scatter(chart: ScatterPlot, cid: str) -> str:
    points = [p for p in chart.points if svg.finite(p.x) and svg.finite(p.y)]
    if not points:
        return svg.empty_chart(cid, chart, narrow=True)
    # room right of the plot for the label of a point on its right edge
    left, top, plot_h = 58.0, 8.0, 220.0
    plot_w = NARROW_WIDTH - left - 40
    xs, ys = [p.x for p in points], [p.y for p in points]
    x_low, x_high = min(xs) - 0.1, max(xs) + 0.1
    pad = max((max(ys) - min(ys)) * 0.1, 0.5)
    y_low, y_high = min(ys) - pad, max(ys) + pad

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            left + (x - x_low) / (x_high - x_low) * plot_w,
            top + plot_h - (y - y_low) / (y_high - y_low) * plot_h,
        )

    parts: list[str] = []
    for tick in svg.ticks(x_low, x_high, svg.nice_step(x_high - x_low, most=4)):
        x, _ = at(tick, y_low)
        parts.append(svg.line(x, top, x, top + plot_h))
        parts.append(svg.text(x, top + plot_h + 16, f"{tick:.2f}".rstrip("0").rstrip("."), **MID))
    for tick in svg.ticks(y_low, y_high, svg.nice_step(y_high - y_low, most=5)):
        _, y = at(x_low, tick)
        parts.append(svg.line(left, y, left + plot_w, y))
        parts.append(svg.text(left - 6, y + 4, f"{tick:g}", **END))
    end = _axis_label(parts, chart.x_label, top + plot_h + 34)
    y_title = svg.wrap(chart.y_label, _chars(plot_h, 11), 1)[0]
    middle = top + plot_h / 2
    parts.append(
        svg.text(12, middle, y_title, **MID, fill=MUTED, font_size=11,
                 transform=f"rotate(-90 12 {middle:.1f})")
    )  # fmt: skip
    if chart.line is not None:
        intercept, slope = chart.line
        (x1, y1), (x2, y2) = (
            at(min(xs), intercept + slope * min(xs)),
            at(max(xs), intercept + slope * max(xs)),
        )
        parts.append(svg.line(x1, y1, x2, y2, stroke=OKABE_ITO[1], stroke_width=2))
    dots = [(*at(p.x, p.y), p.label) for p in points]
    spots = svg.place_labels(dots, 12, (left + 2, top, NARROW_WIDTH - 2, top + plot_h))
    for p, (x, y, _), (lx, ly) in zip(points, dots, spots, strict=True):
        dot = svg.el("circle", cx=x, cy=y, r=5, fill=OKABE_ITO[0], stroke="#ffffff")
        label = svg.text(lx, ly, p.label, **HALO)
        parts.append(
            svg.tip(f"{p.label}: {format_score(p.x)}, {p.y:g} ({n_label(p.n)})", dot, label)
        )
    opening = svg.open_svg(cid, NARROW_WIDTH, end + 10, chart, narrow=True)
    return svg.close_svg([*opening, *parts])
