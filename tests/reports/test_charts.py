"""Chart labels that print: readable over lines in the PDF, and next to their own dot.

WeasyPrint ignores ``paint-order``, so a label with a white outline printed white on
white. The PDF test reads the drawing operators of the laid-out page (pypdf): every glyph
run drawn with a stroke must be an outline (stroke and fill of one colour) that is then
covered by the same glyphs filled in a colour that contrasts with it.
"""

from __future__ import annotations

import io
import itertools
import math

from pypdf import PdfReader
from pypdf.generic import ContentStream

from colead.reports import svg
from colead.reports.chart_specs import (
    ColumnGroup,
    HeatCell,
    Heatmap,
    HeatRow,
    QuadrantPlot,
    QuadrantPoint,
    ScatterPlot,
)
from colead.reports.charts import render_chart
from colead.reports.pdf import render_pdf

# Eight sites of the demo's contract; two pairs sit almost on one another, as they do there.
SITES = [
    QuadrantPoint("Leeds", 3.42, 3.61, 40),
    QuadrantPoint("Lyon", 3.10, 3.05, 35),
    QuadrantPoint("Rotterdam", 3.55, 3.20, 38),
    QuadrantPoint("Monterrey", 2.95, 2.90, 31),
    QuadrantPoint("Toronto", 2.97, 2.92, 29),
    QuadrantPoint("Brisbane", 3.30, 3.44, 33),
    QuadrantPoint("Singapore", 3.31, 3.46, 30),
    QuadrantPoint("Denver", 3.70, 3.75, 36),
]
CHARTS = {
    "quadrant": QuadrantPlot(
        "System and passion", tuple(SITES), 3.2, 1, 5, "System", "Passion",
        ("Passion without system", "Both", "Neither", "System without passion"),
    ),
    "scatter": ScatterPlot(
        "On-time delivery against leadership", tuple(SITES), "Leadership", "On-time %",
        line=(1.0, 0.9),
    ),
    "heatmap": Heatmap(
        "Practices by site",
        (
            HeatRow("Leeds", (HeatCell(3.4, 12), HeatCell(0.0, 2, shown=False))),
            HeatRow("Lyon", (HeatCell(2.1, 9), HeatCell(4.6, 8))),
        ),
        (ColumnGroup("Leadership", ("Model", "Inspire")),),
        1,
        5,
    ),
}  # fmt: skip


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _glyph_runs(pdf: bytes) -> list[tuple[bytes, int, tuple[float, ...], tuple[float, ...]]]:
    """Each text-showing operator, in drawing order: (glyphs, render mode, fill colour,
    stroke colour). Form XObjects (WeasyPrint draws groups into them) are followed where
    they are drawn, with the colours in force there."""
    reader = PdfReader(io.BytesIO(pdf))
    runs: list[tuple[bytes, int, tuple[float, ...], tuple[float, ...]]] = []

    def walk(stream: object, resources: object, state: list[object]) -> None:
        fill, stroke, mode = state
        saved: list[tuple[object, object, object]] = []
        for operands, operator in ContentStream(stream, reader).operations:
            if operator == b"q":
                saved.append((fill, stroke, mode))
            elif operator == b"Q" and saved:
                fill, stroke, mode = saved.pop()
            elif operator == b"rg":
                fill = tuple(float(v) for v in operands)
            elif operator == b"RG":
                stroke = tuple(float(v) for v in operands)
            elif operator == b"g":
                fill = (float(operands[0]),) * 3
            elif operator == b"G":
                stroke = (float(operands[0]),) * 3
            elif operator == b"Tr":
                mode = int(operands[0])
            elif operator in (b"Tj", b"TJ"):
                runs.append((repr(operands).encode(), mode, fill, stroke))  # type: ignore[arg-type]
            elif operator == b"Do":
                xobjects = resources.get("/XObject", {})  # type: ignore[attr-defined]
                form = xobjects[operands[0]].get_object()
                if form.get("/Subtype") == "/Form":
                    walk(form, form.get("/Resources", resources), [fill, stroke, mode])

    for page in reader.pages:
        walk(page.get_contents(), page["/Resources"], [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0), 0])
    return runs


def _page(chart_svg: str) -> str:
    return f"<!doctype html><html><body>{chart_svg}</body></html>"


def test_every_outlined_label_is_covered_by_a_readable_copy() -> None:
    for name, chart in CHARTS.items():
        pdf, _ = render_pdf(_page(render_chart(chart, chart_id=name)))
        runs = _glyph_runs(pdf)
        outlines = 0
        for position, (glyphs, mode, fill, stroke) in enumerate(runs):
            if mode in (0, 3, 7):
                continue  # filled or invisible text, no stroke
            outlines += 1
            assert fill == stroke, f"{name}: a label is stroked over its own fill"
            ink = next((r for r in runs[position + 1 :] if r[0] == glyphs and r[1] == 0), None)
            assert ink is not None, f"{name}: an outline is not covered by its label"
            assert _contrast(ink[2][:3], fill[:3]) >= 4.5, f"{name}: label {ink[2]} on {fill}"
        assert outlines > 0, name


def test_labels_sit_next_to_their_own_dot_and_apart() -> None:
    # the quadrant chart's scale for this spread of sites: about 200 px per scale point
    dots = [(p.x * 200 - 500, 900 - p.y * 200, p.label) for p in SITES]
    spots = svg.place_labels(dots, 12, (0.0, 0.0, 600.0, 600.0))
    boxes = []
    for (x, y, label), (lx, ly) in zip(dots, spots, strict=True):
        width = svg.text_width(label, 12)
        box = (lx, ly - 10.6, lx + width, ly + 2.6)
        boxes.append(box)

        def distance(px: float, py: float, box: tuple[float, ...] = box) -> float:
            return math.hypot(max(box[0] - px, 0, px - box[2]), max(box[1] - py, 0, py - box[3]))

        own = distance(x, y)
        assert own <= 20, label
        # Next to its own dot rather than another, wherever the dots are not on one another
        # (dots closer than a dot's width cannot be told apart by a label's position).
        apart = [(ox, oy) for ox, oy, o in dots if o != label and math.hypot(ox - x, oy - y) > 12]
        assert all(own < distance(ox, oy) for ox, oy in apart), label
    for a, b in itertools.combinations(boxes, 2):
        assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])
