"""SVG drawing primitives shared by the report charts: elements, text, ticks, palettes.

Every piece of text is escaped here; charts pass user data (site and organisation names)
straight through. Colours are Okabe & Ito (2008) for categories and viridis for the
sequential ramp, both readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape

from colead.reports.chart_specs import (
    NO_DATA,
    Chart,
    HeatCell,
    Heatmap,
    Interval,
    QuadrantPlot,
    QuadrantPoint,
    format_score,
    n_label,
    text_alternative,
)

#: Okabe–Ito categorical palette; yellow goes last because it is faint on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
#: viridis stops: perceptually even, colour-blind safe and monotonic when printed in grey.
SEQUENTIAL = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
GRID = "#d0d0d0"
#: width of the heatmap's colour legend
RAMP_WIDTH = 200.0
INK = "#1a1a1a"
MUTED = "#555555"
# Attribute presets for text(): they keep the drawing code to one line per element.
MID: dict[str, object] = {"text_anchor": "middle"}
END: dict[str, object] = {"text_anchor": "end"}
BOLD: dict[str, object] = {"font_weight": 600}
#: a light outline behind a label that sits on lines or dots (see :func:`text`)
HALO: dict[str, object] = {"halo": "#ffffff"}


# ---------------------------------------------------------------------------- svg helpers


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def el(tag: str, content: str | None = None, /, **attrs: object) -> str:
    """One SVG element; ``text_anchor=`` becomes ``text-anchor=``; content is already SVG."""
    parts = [tag]
    for key, value in attrs.items():
        shown = f"{value:.1f}" if isinstance(value, float) else esc(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{shown}"')
    opening = " ".join(parts)
    return f"<{opening}/>" if content is None else f"<{opening}>{content}</{tag}>"


def text(x: float, y: float, content: str, **attrs: object) -> str:
    """A text element; ``halo=COLOUR`` first draws the same text as a 3 px outline in that
    colour, so the label stays readable over grid lines, trend lines and dots.

    The outline is its own element, drawn first, rather than ``paint-order: stroke`` on
    one element: WeasyPrint ignores ``paint-order`` and strokes over the fill, which prints
    the label white on white in every PDF.
    """
    halo = attrs.pop("halo", None)
    ink = el("text", esc(content), x=float(x), y=float(y), **attrs)
    if halo is None:
        return ink
    outline = {k: v for k, v in attrs.items() if k not in ("fill", "stroke", "stroke_width")}
    behind = el(
        "text",
        esc(content),
        x=float(x),
        y=float(y),
        **outline,
        fill=halo,
        stroke=halo,
        stroke_width=3,
        stroke_linejoin="round",
        aria_hidden="true",
    )
    return behind + ink


def line(x1: float, y1: float, x2: float, y2: float, **attrs: object) -> str:
    attrs.setdefault("stroke", GRID)
    return el("line", None, x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attrs)


def tip(tip: str, *children: str) -> str:
    # A <title> child is the tooltip of its parent shape in every browser, no script needed.
    return el("g", f"<title>{esc(tip)}</title>" + "".join(children))


def safe_id(chart_id: str) -> str:
    # ids end up in attributes and url(#...) references; keep them to a boring alphabet.
    cleaned = re.sub(r"[^a-z0-9-]+", "-", chart_id.lower()).strip("-")
    return cleaned or "chart"


def text_width(text: str, size: float) -> float:
    # No font metrics without a browser: an average sans-serif glyph is ~0.56 em wide.
    return len(text) * size * 0.56


#: where a point's label may go, tried in order: (dx, dy) of the text's start from the dot,
#: with the text to its right (dx > 0) or ending left of it (dx < 0); y is the baseline
_SPOTS = ((9, 4), (-9, 4), (9, -9), (9, 16), (-9, -9), (-9, 16), (0, -12), (0, 22))


def place_labels(
    dots: list[tuple[float, float, str]], size: float, bounds: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    """Start points (x, baseline) for one label per dot, next to its own dot and clear of
    the other labels and dots where the chart has room.

    Each label tries the spots around its dot in a fixed order and takes the first that
    overlaps no label placed before it and no other dot; when none is free it takes the
    spot with the least overlap. Labels never leave ``bounds`` (x0, y0, x1, y1). Deterministic:
    the same points always give the same picture.
    """
    x0, y0, x1, y1 = bounds
    height = size * 1.1
    boxes: list[tuple[float, float, float, float]] = []
    radius = 6.0

    def overlap(box: tuple[float, float, float, float], own: int) -> float:
        left, top, right, bottom = box
        total = 0.0
        for bl, bt, br, bb in boxes:
            total += max(0.0, min(right, br) - max(left, bl)) * max(
                0.0, min(bottom, bb) - max(top, bt)
            )
        for k, (dx, dy, _) in enumerate(dots):
            if k != own:
                total += max(0.0, min(right, dx + radius) - max(left, dx - radius)) * max(
                    0.0, min(bottom, dy + radius) - max(top, dy - radius)
                )
        return total

    placed: list[tuple[float, float]] = []
    for own, (x, y, label) in enumerate(dots):
        width = text_width(label, size)
        best: tuple[float, tuple[float, float], tuple[float, float, float, float]] | None = None
        for dx, dy in _SPOTS:
            start = x + dx if dx > 0 else (x + dx - width if dx < 0 else x - width / 2)
            start = clamp(start, x0, x1 - width)
            baseline = clamp(y + dy, y0 + height, y1)
            box = (start, baseline - height * 0.8, start + width, baseline + height * 0.2)
            cost = overlap(box, own)
            if best is None or cost < best[0]:
                best = (cost, (start, baseline), box)
            if cost == 0:
                break
        assert best is not None
        placed.append(best[1])
        boxes.append(best[2])
    return placed


def wrap(text: str, max_chars: int, max_lines: int, *, break_words: bool = False) -> list[str]:
    """Lines of at most ``max_chars`` characters, at most ``max_lines`` of them (the last one
    cut with an ellipsis); ``break_words`` splits a longer word with a hyphen instead of
    letting it run past the line, for the narrow columns of a phone chart."""
    words = text.split()
    if break_words and max_chars > 2:
        words = [piece for word in words for piece in _hyphenated(word, max_chars)]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        if len(lines[-1]) > max_chars:
            lines[-1] = lines[-1][: max_chars - 1] + "…"
    return lines or [""]


def _hyphenated(word: str, max_chars: int) -> list[str]:
    # Pieces of even length ("collab-", "orative"), not a full line and a stub ("complianc-", "e").
    if len(word) <= max_chars:
        return [word]
    count = math.ceil(len(word) / (max_chars - 1))
    size = math.ceil(len(word) / count)
    pieces = [word[i : i + size] for i in range(0, len(word), size)]
    return [piece + "-" for piece in pieces[:-1]] + pieces[-1:]


def open_svg(
    cid: str, width: float, height: float, chart: Chart, *, narrow: bool = False
) -> list[str]:
    """The opening of a chart's ``<svg>`` with its title and text alternative.

    ``narrow`` marks the phone layout (class ``chart narrow``) that the report's style sheet
    shows instead of the wide chart that follows it on small screens.
    """
    # No xmlns: inline SVG in HTML does not need it, and the page must hold no URLs at all.
    kind = "chart narrow" if narrow else "chart"
    return [
        f'<svg class="{kind}" id="{cid}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{esc(chart.title)}" aria-describedby="{cid}-desc" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">',
        f'<title id="{cid}-title">{esc(chart.title)}</title>',
        f'<desc id="{cid}-desc">{esc(text_alternative(chart))}</desc>',
    ]


def close_svg(parts: list[str]) -> str:
    return "\n".join([*parts, "</svg>"])


def empty_chart(cid: str, chart: Chart, *, narrow: bool = False) -> str:
    width = 360 if narrow else 480
    parts = open_svg(cid, width, 80, chart, narrow=narrow)
    parts.append(el("rect", x=0.5, y=0.5, width=width - 1, height=79, fill="none", stroke=GRID))
    parts.append(text(width / 2, 45, NO_DATA, text_anchor="middle", fill=MUTED))
    return close_svg(parts)


def finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [first + i * step for i in range(max(count, 0))]


def nice_step(span: float, most: int = 6) -> float:
    """A 1, 2, 2.5 or 5 times a power of ten step giving at most ``most`` ticks."""
    magnitude = 10.0 ** math.floor(math.log10(span / most))
    return float(next(f * magnitude for f in (1, 2, 2.5, 5, 10) if span / (f * magnitude) <= most))


# ---------------------------------------------------------------------------- colour and keys


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def ramp_colour(value: float, low: float, high: float) -> str:
    """Colour of ``value`` on the sequential ramp between ``low`` and ``high``."""
    t = clamp((value - low) / (high - low), 0.0, 1.0) if high > low else 0.5
    position = t * (len(SEQUENTIAL) - 1)
    i = min(int(position), len(SEQUENTIAL) - 2)
    a, b = _rgb(SEQUENTIAL[i]), _rgb(SEQUENTIAL[i + 1])
    mixed = [round(x + (y - x) * (position - i)) for x, y in zip(a, b, strict=True)]
    return "#{:02X}{:02X}{:02X}".format(*mixed)


def ink_on(fill: str) -> str:
    """Black or white text on ``fill``, whichever the WCAG relative luminance favours."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(fill))
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.2 else "#000000"


def legend(
    items: Sequence[tuple[str, str]], x0: float, y0: float, width: float
) -> tuple[list[str], int]:
    """Colour key as swatch + text pairs wrapped to ``width``; returns parts and row count."""
    parts: list[str] = []
    x, y, rows = x0, y0, 1
    for label, colour in items:
        w = 36 + text_width(label, 12)
        if x > x0 and x + w > x0 + width:
            x, y, rows = x0, y + 18, rows + 1
        parts.append(el("rect", x=float(x), y=y - 10.0, width=12, height=12, fill=colour))
        parts.append(text(x + 17, y, label))
        x += w
    return parts, rows


def heat_defs(cid: str, ramp_x: float) -> str:
    """The hatch pattern of hidden cells and the gradient of the colour key starting at
    ``ramp_x``, with ids prefixed by the chart's id."""
    stops = "".join(
        el("stop", offset=f"{i / (len(SEQUENTIAL) - 1):.2f}", stop_color=c)
        for i, c in enumerate(SEQUENTIAL)
    )
    return (
        f'<defs><pattern id="{cid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ececec"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#a8a8a8" stroke-width="2"/></pattern>'
        # Absolute coordinates: PDF renderers mishandle bounding-box gradients on thin rects.
        f'<linearGradient id="{cid}-ramp" gradientUnits="userSpaceOnUse" x1="{ramp_x:.1f}" '
        f'x2="{ramp_x + RAMP_WIDTH:.1f}" y1="0" y2="0">{stops}'
        "</linearGradient></defs>"
    )


def heat_cell(cid: str, box: dict[str, float], where: str, cell: HeatCell, chart: Heatmap) -> str:
    """One heatmap cell: its value on the ramp colour, or hatched when not shown."""
    # Text baseline a third of the 12 px font below the centre looks centred.
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 4
    if not cell.shown:
        # Only the rule is drawn: a suppressed cell's value never reaches the SVG.
        return tip(
            f"{where}: not shown (fewer than {chart.minimum} people)",
            el("rect", **box, fill=f"url(#{cid}-hatch)"),
            text(cx, cy, f"n<{chart.minimum}", **MID, **BOLD, halo="#ececec"),
        )
    if not finite(cell.value):
        return tip(
            f"{where}: no score ({n_label(cell.n)})",
            el("rect", **box, fill="#f4f4f4", stroke=GRID),
            text(cx, cy, "–", **MID, fill=MUTED),
        )
    fill = ramp_colour(cell.value, chart.scale_min, chart.scale_max)
    return tip(
        f"{where}: {format_score(cell.value)} ({n_label(cell.n)})",
        el("rect", **box, fill=fill),
        text(cx, cy, format_score(cell.value), **MID, fill=ink_on(fill)),
    )


def heat_key(cid: str, chart: Heatmap, x: float, y: float, *, stacked: bool = False) -> list[str]:
    """The heatmap's key with its top-left ramp corner at (x, y): the colour ramp with its
    ticks, then the hatch of hidden cells beside it, or under it when ``stacked``."""
    low, high = float(chart.scale_min), float(chart.scale_max)
    parts = [
        text(x, y - 8, "Mean score", fill=MUTED),
        el("rect", x=x, y=float(y), width=RAMP_WIDTH, height=12, fill=f"url(#{cid}-ramp)"),
    ]
    for tick in ticks(low, high, 1.0):
        tx = x + (tick - low) / ((high - low) or 1.0) * RAMP_WIDTH
        parts.append(text(tx, y + 26, f"{tick:g}", **MID))
    hx, hy = (x, y + 40) if stacked else (x + RAMP_WIDTH + 30, y)
    hatch = {"width": 26, "height": 16, "fill": f"url(#{cid}-hatch)", "stroke": GRID}
    parts.append(el("rect", x=hx, y=hy - 2.0, **hatch))
    parts.append(text(hx + 32, hy + 10, f"not shown: fewer than {chart.minimum} people"))
    return parts


def interval_mark(row: Interval, x_of: Callable[[float], float], y: float, value_x: float) -> str:
    """One estimate of an interval plot: its 95 % CI as a line, the estimate as a dot and
    its value at ``value_x``, with a tooltip naming all three."""
    shapes = []
    if finite(row.low) and finite(row.high):
        shapes.append(
            line(x_of(row.low), y, x_of(row.high), y, stroke=OKABE_ITO[0], stroke_width=2)
        )
    shapes.append(el("circle", cx=x_of(row.estimate), cy=y, r=4.5, fill=OKABE_ITO[0]))
    shapes.append(text(value_x, y + 4, f"{row.estimate:+.2f}"))
    tip_text = (
        f"{row.label}: {row.estimate:+.2f}, 95% CI {row.low:+.2f} to {row.high:+.2f} ({row.n})"
    )
    return tip(tip_text, *shapes)


def quadrant_range(chart: QuadrantPlot, points: Sequence[QuadrantPoint]) -> tuple[float, float]:
    """The axis range of a quadrant plot, shared by both axes so they stay comparable:
    zoomed to the data in half points, always including the threshold, so sites that
    differ by a few tenths do not sit on one another."""
    values = [v for p in points for v in (p.x, p.y)] + [chart.threshold]
    low = max(float(chart.scale_min), math.floor((min(values) - 0.25) * 2) / 2)
    high = min(float(chart.scale_max), math.ceil((max(values) + 0.25) * 2) / 2)
    return low, high


def quadrant_frame(
    left: float, top: float, size: float, low: float, high: float, threshold: float
) -> tuple[list[str], Callable[[float], float], Callable[[float], float]]:
    """The square of a quadrant plot: background, half-point grid with tick labels and the
    dashed threshold lines; with the x and y scales that place a point in it."""
    span = (high - low) or 1.0

    def px(v: float) -> float:
        return left + (clamp(v, low, high) - low) / span * size

    def py(v: float) -> float:
        return top + size - (clamp(v, low, high) - low) / span * size

    parts = [el("rect", x=left, y=top, width=size, height=size, fill="#fafafa", stroke=INK)]
    for tick in ticks(low, high, 0.5):
        parts.append(line(px(tick), top, px(tick), top + size, stroke_width=0.6))
        parts.append(line(left, py(tick), left + size, py(tick), stroke_width=0.6))
        parts.append(text(px(tick), top + size + 16, f"{tick:.1f}", **MID))
        parts.append(text(left - 6, py(tick) + 4, f"{tick:.1f}", **END))
    tx, ty = px(threshold), py(threshold)
    dashed = {"stroke": MUTED, "stroke_width": 1.5, "stroke_dasharray": "6 4"}
    parts.append(line(tx, top, tx, top + size, **dashed))
    parts.append(line(left, ty, left + size, ty, **dashed))
    return parts, px, py
