"""The review report as PDF: pages, cover, contents, page numbers, offline rendering, errors."""

from __future__ import annotations

import io
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, PackageLoader, StrictUndefined
from pypdf import PdfReader
from weasyprint import HTML  # type: ignore[import-untyped]

from colead.analysis.results import ReviewResults
from colead.errors import OutputError
from colead.reports import pdf as pdf_module
from colead.reports import render_review_html
from colead.reports.pdf import OfflineFetcher, html_to_pdf, render_pdf
from reports.factories import LEADERSHIP, build_analysed_results

STAMP = "2024-06-11 09:00 UTC"
CONFIDENTIAL = "Confidential: for the organisations in this relationship review only"


@dataclass(frozen=True)
class Rendered:
    results: ReviewResults
    html: str
    data: bytes
    pages: int
    reader: PdfReader

    def text(self, page: int) -> str:
        """The text of a page (1-based), whitespace collapsed."""
        return " ".join(self.reader.pages[page - 1].extract_text().split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The PDF of the engine's results for a simulated relationship (seed 3), made once."""
    results = build_analysed_results()
    html = render_review_html(results, generated_at=STAMP)
    target = tmp_path_factory.mktemp("pdf") / "review.pdf"
    pages = html_to_pdf(html, target)
    data = target.read_bytes()
    return Rendered(results, html, data, pages, PdfReader(io.BytesIO(data)))


def _all_text(rendered: Rendered) -> str:
    return " ".join(rendered.text(p) for p in range(1, rendered.pages + 1))


def test_the_review_pdf_is_a_pdf_of_several_pages(rendered: Rendered, tmp_path: Path) -> None:
    assert rendered.data.startswith(b"%PDF-")
    assert rendered.pages == len(rendered.reader.pages)
    assert rendered.pages > 1
    # written atomically: nothing but the PDF in its folder
    target = tmp_path / "again.pdf"
    assert html_to_pdf("<p>One page.</p>", target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.pdf"]


def test_pdf_holds_the_title_and_the_practices_as_text(rendered: Rendered) -> None:
    text = _all_text(rendered)
    assert rendered.results.review in text
    for _, title in LEADERSHIP:
        assert title in text
    assert "About these numbers" in text
    assert rendered.reader.metadata is not None
    assert rendered.results.review in str(rendered.reader.metadata.title)


def test_first_page_is_the_cover_without_header_or_page_number(rendered: Rendered) -> None:
    cover = rendered.text(1)
    results = rendered.results
    assert "relationship review report" in cover.lower()
    for text in (results.review, results.wave, results.framework_label, STAMP, CONFIDENTIAL):
        assert text in cover
    assert "page 1 of" not in cover
    assert "At a glance" not in cover


def test_every_other_page_has_the_running_title_and_page_x_of_y(rendered: Rendered) -> None:
    title = f"{rendered.results.review} – relationship review, {rendered.results.wave}"
    for page in range(2, rendered.pages + 1):
        text = rendered.text(page)
        assert f"page {page} of {rendered.pages}" in text
        assert title in text


def test_contents_lists_each_section_with_the_page_it_starts_on(rendered: Rendered) -> None:
    contents = rendered.text(2)
    assert contents.startswith("Contents")
    entries = [
        (label.strip(), int(page))
        for label, page in re.findall(
            r"([A-Za-z][A-Za-z ,'-]*?)\s*\.{3,}\s*(\d+)", contents.removeprefix("Contents")
        )
    ]
    labels = [label for label, _ in entries]
    # A follow-up wave: what changed since baseline comes straight after the summary.
    assert labels[:3] == ["At a glance", "Change since baseline", "Participation"]
    assert labels[-1] == "About these numbers"
    # The PDF outline: the cover title (level 1), then one entry per h2 in page order (h3
    # entries nest in lists). The contents' page numbers must be the headings' pages.
    reader = rendered.reader
    cover, children = reader.outline[0], reader.outline[1]
    assert not isinstance(cover, list) and isinstance(children, list)
    assert str(cover.title) == rendered.results.review
    headings = [
        (str(item.title), reader.get_destination_page_number(item) + 1)
        for item in children
        if not isinstance(item, list)
    ]
    assert headings[0] == ("Contents", 2)
    assert headings[1] == ("At a glance", 3)
    assert [page for _, page in entries] == [page for _, page in headings[1:]]
    # each top-level section starts on a new page
    pages = [page for _, page in headings[1:]]
    assert pages == sorted(set(pages))


def _pdf_text(html: str, media: str) -> str:
    document = HTML(string=html, media_type=media, url_fetcher=OfflineFetcher()).render()
    reader = PdfReader(io.BytesIO(document.write_pdf()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_cover_and_contents_are_print_only(rendered: Rendered) -> None:
    html, results = rendered.html, rendered.results
    assert re.search(r'<div class="print-only cover">.*?' + re.escape(CONFIDENTIAL), html, re.S)
    assert '<nav class="print-only contents" aria-label="Contents">' in html
    assert '<header class="screen-only">' in html
    # Outside print, .print-only is hidden; only the print rules show it.
    style = html[html.index("<style>") : html.index("</style>")]
    assert ".print-only { display: none; }" in style[: style.index("@media print")]
    # The page up to its first section (running title, cover, contents, screen header), laid
    # out once for the screen and once for print.
    top = html[: html.index("<section")] + "</main></body></html>"
    running = f"relationship review, {results.wave}"
    screen = _pdf_text(top, "screen")
    assert results.review in screen and "Generated" in screen  # the screen header and nav
    assert "At a glance" in screen
    for hidden in ("Confidential", "Contents", running):
        assert hidden not in screen
    printed = _pdf_text(top, "print")
    for shown in (CONFIDENTIAL, "Contents", "At a glance", running):
        assert shown in printed
    assert "Generated" not in printed  # the screen header gives way to the cover


def test_a_template_without_cover_or_contents_still_renders(tmp_path: Path) -> None:
    # A child of base.html.j2 that fills neither the cover nor the contents block.
    env = Environment(
        loader=PackageLoader("colead.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    template = env.from_string(
        '{% extends "base.html.j2" %}{% block title %}One person{% endblock %}'
        '{% block content %}<section id="a"><h2>Feedback</h2><p>Text.</p></section>'
        '<section id="b"><h2>Plan</h2><p>More.</p></section>{% endblock %}'
    )
    html = template.render()
    assert "print-only cover" not in html
    assert "print-only contents" not in html
    target = tmp_path / "person.pdf"
    assert html_to_pdf(html, target) == 2  # each section on its own page
    reader = PdfReader(target)
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Feedback" in first and "One person" in first and "page 1 of 2" in first


PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_rendering_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError("network access during PDF rendering")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (
        "<!doctype html><html><head>"
        '<link rel="stylesheet" href="https://example.invalid/style.css">'
        "<style>@import url(http://example.invalid/more.css);</style>"
        "</head><body><h1>Offline</h1>"
        '<img src="http://example.invalid/logo.png" alt="logo">'
        f'<img src="{PIXEL}" alt="pixel">'
        "</body></html>"
    )
    fetcher = OfflineFetcher()
    data, pages = render_pdf(html, base_url="https://example.invalid/", fetcher=fetcher)
    assert data.startswith(b"%PDF-") and pages == 1
    assert attempts == []
    assert sorted(fetcher.refused) == [
        "http://example.invalid/logo.png",
        "http://example.invalid/more.css",
        "https://example.invalid/style.css",
    ]
    assert "Offline" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


@pytest.mark.parametrize("where", ["under_a_file", "missing_folder", "a_folder"])
def test_unwritable_target_raises_output_error_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    target = {
        "under_a_file": blocker / "review.pdf",
        "missing_folder": tmp_path / "no" / "such" / "review.pdf",
        "a_folder": tmp_path,
    }[where]

    def no_rendering(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rendered although the target cannot be written")

    monkeypatch.setattr(pdf_module, "render_pdf", no_rendering)
    with pytest.raises(OutputError) as caught:
        html_to_pdf("<p>x</p>", target)
    assert str(target) in caught.value.message
    assert caught.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "review.pdf"
    target.write_bytes(b"old")

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf_module.os, "replace", full_disk)
    with pytest.raises(OutputError, match="No space left"):
        pdf_module.write_pdf(b"%PDF-new", target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.pdf"]


def test_a_missing_pango_library_is_a_clear_configuration_error() -> None:
    """WeasyPrint raises OSError on import when Pango is missing; colead names the fix."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import importlib.abc, sys
        class NoPango(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "weasyprint":
                    raise OSError("cannot load library 'libpango-1.0-0'")
        sys.meta_path.insert(0, NoPango())
        from colead.errors import ConfigurationError
        try:
            import colead.reports.pdf
        except ConfigurationError as exc:
            print(exc.exit_code, exc.message, exc.hint, sep="|")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    code, message, hint = done.stdout.strip().split("|")
    assert code == "2" and "Pango" in message and "libpango-1.0-0" in hint
    assert "--format html" in hint


def test_several_pages_are_laid_out_in_worker_processes_once_each() -> None:
    from colead.reports.pdf import render_pdfs

    page = "<!doctype html><html><body><h1>{}</h1></body></html>"
    pages = {Path("a.pdf"): page.format("Alpha"), Path("b.pdf"): page.format("Beta")}
    pages[Path("c.pdf")] = pages[Path("a.pdf")]
    laid_out = render_pdfs(pages, workers=2)
    assert list(laid_out) == [Path("a.pdf"), Path("b.pdf"), Path("c.pdf")]
    assert laid_out[Path("a.pdf")] is laid_out[Path("c.pdf")]  # the same page, laid out once
    texts = [PdfReader(io.BytesIO(data)).pages[0].extract_text() for data in laid_out.values()]
    assert texts == ["Alpha", "Beta", "Alpha"]
