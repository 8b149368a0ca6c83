"""Refresh the pictures of the demo reports in docs/renders/: every chart page, print and phone.

Run after changing a report template or a chart, then look at the pictures:

    python docs/make_renders.py

It runs ``colead demo`` into a temporary folder, then

* ``renders/pdf/``: every PDF page of the review, the follow-up review, the programme
  evaluation and the first programme participant's individual report that holds a chart,
  plus each report's first page, as PNG (``pdftoppm``, Debian package poppler-utils);
* ``renders/phone/``: each chart of the same HTML reports as a phone shows it, 390 px wide
  (Chromium through Playwright; Debian package chromium), one picture per chart, and the
  top of each report.

A page holds a chart when its text contains the caption of one of the report's figures
(the HTML and the PDF are laid out from the same sections, so the captions match).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path

RENDERS = Path(__file__).resolve().parent / "renders"
PHONE_WIDTH = 390
CHROMIUM = "/usr/bin/chromium"


def _captions(html: str) -> list[str]:
    """The first words of each figure caption of a report, as the PDF's text has them."""
    found = re.findall(r"<figure.*?<figcaption>(.*?)</figcaption>", html, re.S)
    words = [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]
    return [" ".join(w.split()[:6]) for w in words if w]


def _page_texts(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    texts = []
    for page in range(1, pages + 1):
        out = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        texts.append(" ".join(out.stdout.split()))
    return texts


def chart_pages(pdf: Path, html: str) -> list[int]:
    """1-based pages of ``pdf`` that show a figure of ``html`` (and the first page)."""
    captions = _captions(html)
    pages = {1}
    for number, text in enumerate(_page_texts(pdf), start=1):
        if any(caption in text for caption in captions):
            pages.add(number)
    return sorted(pages)


def _pdf_pictures(name: str, pdf: Path, html: str, folder: Path) -> int:
    pages = chart_pages(pdf, html)
    for page in pages:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
             "-singlefile", str(pdf), str(folder / f"{name}-page{page:02d}")],
            check=True,
        )  # fmt: skip
    return len(pages)


def _phone_pictures(reports: dict[str, Path], folder: Path) -> int:
    from playwright.sync_api import sync_playwright

    count = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 844})
        for name, html in reports.items():
            page.goto(html.as_uri())
            page.screenshot(path=str(folder / f"{name}-top.png"))
            count += 1
            for k, figure in enumerate(page.locator("figure:has(svg)").all(), start=1):
                figure.scroll_into_view_if_needed()
                figure.screenshot(path=str(folder / f"{name}-chart{k:02d}.png"))
                count += 1
        browser.close()
    return count


def _participant_report(out: Path) -> Path:
    """The first individual report that shows change since baseline (a participant's)."""
    pages = sorted((out / "people").glob("*.html"))
    for page in pages:
        if "since" in page.read_text(encoding="utf-8").lower():
            return page
    return pages[0]


def main() -> None:
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install poppler-utils")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "demo"
        subprocess.run(
            [sys.executable, "-m", "colead", "demo", "--out", str(out),
             "--db", f"sqlite:///{temp}/demo.db"],
            check=True, capture_output=True,
        )  # fmt: skip
        person = _participant_report(out)
        reports = {
            "review": out / "review.html",
            "review-baseline": out / "review-baseline.html",
            "evaluation": out / "evaluation.html",
            "person": person,
        }
        pdf_dir, phone_dir = RENDERS / "pdf", RENDERS / "phone"
        for folder in (RENDERS, pdf_dir, phone_dir):
            folder.mkdir(exist_ok=True)
            for old in folder.glob("*.png"):
                old.unlink()
        pictures = 0
        for name, html in reports.items():
            pdf = html.with_suffix(".pdf")
            pictures += _pdf_pictures(name, pdf, html.read_text(encoding="utf-8"), pdf_dir)
        pictures += _phone_pictures(reports, phone_dir)
    print(f"Wrote {pictures} pictures to {RENDERS}")


if __name__ == "__main__":
    main()
