"""SVG drawing primitives shared by the report charts: elements, text, ticks, palettes.

Every piece of text is escaped here; charts pass user data (site and organisation names)
straight through. Colours are Okabe & Ito (2008) for categories and viridis for the
sequential ramp, both readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import math
import re
from html import escape

from colead.reports.chart_specs import NO_DATA, Chart, text_alternative

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


def wrap(text: str, max_chars: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        if len(lines[-1]) > max_chars:
            lines[-1] = lines[-1][: max_chars - 1] + "…"
    return lines or [""]


def open_svg(cid: str, width: float, height: float, chart: Chart) -> list[str]:
    # No xmlns: inline SVG in HTML does not need it, and the page must hold no URLs at all.
    return [
        f'<svg class="chart" id="{cid}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{esc(chart.title)}" aria-describedby="{cid}-desc" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">',
        f'<title id="{cid}-title">{esc(chart.title)}</title>',
        f'<desc id="{cid}-desc">{esc(text_alternative(chart))}</desc>',
    ]


def close_svg(parts: list[str]) -> str:
    return "\n".join([*parts, "</svg>"])


def empty_chart(cid: str, chart: Chart) -> str:
    parts = open_svg(cid, 480, 80, chart)
    parts.append(el("rect", x=0.5, y=0.5, width=479, height=79, fill="none", stroke=GRID))
    parts.append(text(240, 45, NO_DATA, text_anchor="middle", fill=MUTED))
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
