"""Report jobs: analyse a stored wave and write its reports as HTML, PDF or both.

``--out`` is a folder (the files are named after the report and the wave, e.g.
``review-baseline.html``) or, for the review and evaluation reports, a file whose suffix
(``.html`` or ``.pdf``) names the HTML or PDF to write; the other format goes beside it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from colead.analysis.benchmark import Norm
from colead.analysis.results import ReviewResults
from colead.errors import ConfigurationError, NotFound
from colead.jobs.analyse import analyse_review
from colead.jobs.output import check_output_dir, prepare_output_dir, slug
from colead.reports.review import render_review_html, write_html
from colead.store import open_database

if TYPE_CHECKING:
    from colead.development.review_actions import ActionLog

__all__ = [
    "REPORT_FORMATS",
    "report_targets",
    "write_evaluation_report",
    "write_person_report_files",
    "write_review_report",
]

REPORT_FORMATS = ("html", "pdf", "both")
_PAGE_SUFFIXES = (".html", ".htm", ".pdf")


def report_targets(out: Path, stem: str, formats: str) -> dict[str, Path]:
    """The file of each requested format (``{"html": ..., "pdf": ...}``).

    ``out`` ending in ``.html`` or ``.pdf`` is a file name; anything else is a folder in
    which the files are called ``<stem>.html`` and ``<stem>.pdf``.
    """
    kinds = {"html": ("html",), "pdf": ("pdf",), "both": ("html", "pdf")}.get(formats.lower())
    if kinds is None:
        raise ConfigurationError(
            f"Unknown report format {formats!r}.", f"Choose one of: {', '.join(REPORT_FORMATS)}."
        )
    base = out if out.suffix.lower() in _PAGE_SUFFIXES else out / f"{stem}.html"
    paths = {"html": base.with_suffix(".html"), "pdf": base.with_suffix(".pdf")}
    if out.suffix.lower() in (".html", ".htm"):
        paths["html"] = out
    return {kind: paths[kind] for kind in kinds}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _write(html: str, targets: dict[str, Path]) -> list[Path]:
    written = []
    if "html" in targets:
        written.append(write_html(html, targets["html"]))
    if "pdf" in targets:
        from colead.reports.pdf import html_to_pdf  # WeasyPrint loads slowly: only when needed

        html_to_pdf(html, targets["pdf"])
        written.append(targets["pdf"])
    return written


def _analyse(
    database_url: str,
    review: str,
    wave: str | None,
    minimum: int,
    norms: Mapping[str, Norm] | None,
    folder: Path,
) -> ReviewResults:
    check_output_dir(folder)
    engine = open_database(database_url)
    try:
        results = analyse_review(engine, review, wave, minimum, norms)
    finally:
        engine.dispose()
    prepare_output_dir(folder)
    return results


def _folder(out: Path) -> Path:
    return out.parent if out.suffix.lower() in _PAGE_SUFFIXES else out


def write_review_report(
    database_url: str,
    review: str,
    wave: str | None,
    out: Path,
    minimum: int,
    norms: Mapping[str, Norm] | None = None,
    *,
    formats: str = "html",
    actions: ActionLog | None = None,
) -> tuple[ReviewResults, list[Path]]:
    """Analyse one stored wave and write its relationship review report.

    ``actions``, the review's action log, is shown in the report when given. Returns the
    results and the files written (HTML before PDF).
    """
    report_targets(out, "review", formats)  # refuse an unknown format before any work
    results = _analyse(database_url, review, wave, minimum, norms, _folder(out))
    targets = report_targets(out, f"review-{slug(results.wave)}", formats)
    html = render_review_html(results, generated_at=_stamp(), actions=actions)
    return results, _write(html, targets)


def write_evaluation_report(
    database_url: str,
    review: str,
    wave: str | None,
    out: Path,
    minimum: int,
    *,
    formats: str = "html",
) -> tuple[ReviewResults, list[Path]]:
    """Analyse a follow-up wave against the first and write the programme evaluation.

    Raises
    ------
    NotFound
        When the wave has nothing to evaluate: it is the first wave, no one was enrolled,
        or the first wave used another framework version.
    """
    from colead.reports.evaluation import render_evaluation_html

    report_targets(out, "evaluation", formats)
    results = _analyse(database_url, review, wave, minimum, None, _folder(out))
    if results.evaluation is None:
        raise NotFound(
            f"Wave {results.wave!r} of review {review!r} has no programme to evaluate.",
            "An evaluation needs an earlier wave with the same framework, and people enrolled "
            "in a programme (colead import enrolments); pick the follow-up wave with --wave.",
        )
    targets = report_targets(out, f"evaluation-{slug(results.wave)}", formats)
    return results, _write(render_evaluation_html(results, generated_at=_stamp()), targets)


def write_person_report_files(
    database_url: str,
    review: str,
    wave: str | None,
    out: Path,
    minimum: int,
    *,
    people: list[str] | None = None,
    norms: Mapping[str, Norm] | None = None,
    formats: str = "html",
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Individual 360 reports in the folder ``out``: ``<person id>.html`` and/or ``.pdf``.

    ``people`` None means everyone rated in the wave. PDFs are made from the rendered pages
    one at a time after the HTML (WeasyPrint lays out one document per process).
    """
    from colead.jobs.person_reports import write_person_reports

    kinds = report_targets(out / "x.html", "x", formats)  # refuse an unknown format first
    if "pdf" not in kinds:
        return write_person_reports(
            database_url, review, wave, out, people=people, minimum=minimum, norms=norms,
            jobs=jobs, progress=progress,
        )  # fmt: skip
    from colead.reports.pdf import render_pdfs, write_pdf

    check_output_dir(out)
    with tempfile.TemporaryDirectory() as scratch:
        pages_dir = out if "html" in kinds else Path(scratch)
        pages = write_person_reports(
            database_url, review, wave, pages_dir, people=people, minimum=minimum,
            norms=norms, jobs=jobs, progress=None,
        )  # fmt: skip
        prepare_output_dir(out)
        written = list(pages) if "html" in kinds else []
        # Laid out in worker processes, a batch at a time so progress keeps moving.
        batch = max(1, (jobs or os.cpu_count() or 1) * 4)
        for start in range(0, len(pages), batch):
            chunk = pages[start : start + batch]
            jobs_of = {
                out / p.with_suffix(".pdf").name: p.read_text(encoding="utf-8") for p in chunk
            }
            for target, data in render_pdfs(jobs_of, workers=jobs).items():
                written.append(write_pdf(data, target))
            if progress is not None:
                progress(start + len(chunk), len(pages))
    return written
