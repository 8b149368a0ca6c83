"""HTML -> PDF with WeasyPrint, offline.

Reports are self-contained HTML (inline CSS, inline SVG), so rendering never needs the network
or the file system: the URL fetcher refuses everything but ``data:`` URLs. The print layout
(page size, running header and footer, cover, contents) lives in the templates' print CSS;
this module only renders and writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from colead.errors import ConfigurationError, OutputError

try:
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]
except OSError as missing:  # WeasyPrint loads the Pango system library when imported
    raise ConfigurationError(
        f"PDF output needs the Pango text layout library, which could not be loaded: {missing}",
        "Install it (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0), or "
        "write HTML with --format html.",
    ) from None
from colead.reports.files import write_atomically

__all__ = [
    "OfflineFetcher",
    "check_pdf_target",
    "html_to_pdf",
    "render_pdf",
    "render_pdfs",
    "write_pdf",
]


class OfflineFetcher(URLFetcher):  # type: ignore[misc]
    """Fetches ``data:`` URLs only; any other URL is refused without touching the network.

    ``refused`` lists the URLs that were asked for and refused, in order.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"not fetching {url!r}: reports are rendered offline")
        return super().fetch(url, headers)


def render_pdf(
    html: str, *, base_url: str | None = None, fetcher: OfflineFetcher | None = None
) -> tuple[bytes, int]:
    """Lay out ``html`` for print and return the PDF bytes and the number of pages.

    Parameters
    ----------
    html
        A complete HTML document.
    base_url
        Base for relative URLs; they are resolved but, like every non-``data:`` URL, never
        fetched.
    fetcher
        The URL fetcher to use (a new ``OfflineFetcher`` when ``None``); pass one to see which
        URLs were refused.
    """
    document = HTML(
        string=html, base_url=base_url, url_fetcher=fetcher or OfflineFetcher()
    ).render()
    return bytes(document.write_pdf()), len(document.pages)


def _pdf_bytes(html: str) -> bytes:
    return render_pdf(html)[0]


def render_pdfs(pages: Mapping[Path, str], *, workers: int | None = None) -> dict[Path, bytes]:
    """Lay out several pages at once, in worker processes (WeasyPrint's layout is pure
    Python, so threads would take turns). Identical pages are laid out once.

    Returns the PDF bytes of each target, in the order given.
    """
    distinct = list(dict.fromkeys(pages.values()))
    count = max(1, min(workers or os.cpu_count() or 1, len(distinct)))
    if count == 1:
        laid_out = [_pdf_bytes(html) for html in distinct]
    else:
        with ProcessPoolExecutor(count) as pool:
            laid_out = list(pool.map(_pdf_bytes, distinct))
    by_page = dict(zip(distinct, laid_out, strict=True))
    return {target: by_page[html] for target, html in pages.items()}


def _hint(target: Path) -> str:
    return f"Check that the folder '{target.parent}' exists and that you may write to it."


def check_pdf_target(target: Path) -> None:
    """Raise ``OutputError`` now if a PDF could not be written to ``target``.

    Rendering takes seconds; this check lets a bad path fail before any of that work.
    """
    if target.is_dir():
        raise OutputError(
            f"Cannot write the PDF to '{target}': it is a folder.",
            hint="Give a file name, for example 'review.pdf'.",
        )
    folder = target.parent.absolute()
    if not folder.is_dir():
        raise OutputError(
            f"Cannot write the PDF to '{target}': the folder does not exist.", _hint(target)
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"Cannot write the PDF to '{target}': the folder is not writable.", _hint(target)
        )


def write_pdf(data: bytes, target: Path) -> Path:
    """Write PDF bytes to ``target`` atomically; returns ``target``.

    Raises
    ------
    OutputError
        If the folder does not exist, is not writable, or ``target`` is a folder.
    """
    target = Path(target)
    check_pdf_target(target)
    return write_atomically(data, target, "PDF")


def html_to_pdf(html: str, target: Path, *, base_url: str | None = None) -> int:
    """Render ``html`` to a PDF file at ``target`` and return its number of pages.

    Rendering is offline: only ``data:`` URLs are fetched. The file is written atomically, so
    a failure never leaves a half-written PDF.

    Raises
    ------
    OutputError
        If ``target`` cannot be written; checked before rendering, so a bad path fails fast.
    """
    target = Path(target)
    check_pdf_target(target)
    data, pages = render_pdf(html, base_url=base_url)
    write_pdf(data, target)
    return pages
