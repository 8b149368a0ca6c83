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
HALO: dict[str, object] = {"stroke": "#ffffff", "stroke_width": 3, "paint_order": "stroke"}


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
    return el("text", esc(content), x=float(x), y=float(y), **attrs)


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
