"""Benchmark: the review report as PDF against the same report as HTML.

Analyses the follow-up wave of a simulated review (with the programme evaluation from the
baseline, KPI linkage and benchmark norms from an independent simulation), then times in one
process: rendering the HTML page (``render_review_html``), and turning that page into a PDF
(``render_pdf``: WeasyPrint layout and PDF writing; the two steps are also timed apart).
The figure to quote is the PDF time and the PDF / HTML ratio; the target is a review PDF in
at most 10 s.

    python bench/pdf_speed.py [--size medium] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import time
import warnings
from datetime import date

from colead.analysis import analyse_wave
from colead.analysis.benchmark import build_norms
from colead.analysis.review import analyse_with_baseline
from colead.framework import load_framework
from colead.reports import render_review_html
from colead.simulation.review import simulate
from colead.simulation.wave_data import simulated_wave_data

STAMP = "2026-01-01 00:00 UTC"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    framework = load_framework()
    simulated = simulate(framework, size=args.size, seed=1)
    sample = simulate(framework, size="small", seed=1001)
    norm_scores = analyse_wave(simulated_wave_data(sample, 0, framework), 3)
    norms, _ = build_norms(norm_scores.person_scores.observer_means, synthetic=True)
    results = analyse_with_baseline(
        simulated_wave_data(simulated, 1, framework),
        simulated_wave_data(simulated, 0, framework),
        3,
        enrolments=simulated.enrolments,
        norms=norms,
        kpis=simulated.kpis,
        programme_start=date.fromisoformat(str(simulated.programme["start"])),
        programme_end=date.fromisoformat(str(simulated.programme["end"])),
    )

    # Importing WeasyPrint and its first use (fonts, Pango) are timed on their own, once.
    started = time.perf_counter()
    from weasyprint import HTML  # type: ignore[import-untyped]

    from colead.reports.pdf import OfflineFetcher, render_pdf

    imported = time.perf_counter() - started
    started = time.perf_counter()
    render_pdf("<p>warm-up</p>")
    first_use = time.perf_counter() - started

    html_runs: list[float] = []
    pdf_runs: list[float] = []
    layout_runs: list[float] = []
    write_runs: list[float] = []
    html = ""
    data, pages = b"", 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.repeat):
            started = time.perf_counter()
            html = render_review_html(results, generated_at=STAMP)
            html_runs.append(time.perf_counter() - started)

            started = time.perf_counter()
            data, pages = render_pdf(html)
            pdf_runs.append(time.perf_counter() - started)

            started = time.perf_counter()
            document = HTML(string=html, url_fetcher=OfflineFetcher()).render()
            layout_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            document.write_pdf(io.BytesIO())
            write_runs.append(time.perf_counter() - started)

    html_s, pdf_s = statistics.median(html_runs), statistics.median(pdf_runs)
    print(
        f"{args.size}: {len(simulated.people)} people, {results.n_sites} sites; "
        f"HTML {len(html) / 1024:.0f} KiB, PDF {len(data) / 1024:.0f} KiB, {pages} pages"
    )
    print(f"import WeasyPrint {imported:.2f} s, first use (fonts, Pango) {first_use:.2f} s")
    print(f"HTML render     {html_s:6.3f} s  (median of {args.repeat}: {_fmt(html_runs)})")
    print(f"PDF render      {pdf_s:6.2f} s  (median of {args.repeat}: {_fmt(pdf_runs)})")
    print(f"  layout        {statistics.median(layout_runs):6.2f} s  ({_fmt(layout_runs)})")
    print(f"  write PDF     {statistics.median(write_runs):6.2f} s  ({_fmt(write_runs)})")
    print(f"PDF / HTML ratio {pdf_s / html_s:.0f}x; {pdf_s / pages * 1000:.0f} ms per page")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")


def _fmt(runs: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in runs)


if __name__ == "__main__":
    main()
