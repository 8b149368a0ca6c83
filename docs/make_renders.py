"""Refresh the PNG renders of the demo reports' first pages in docs/renders/.

Run after changing a report template, then look at the pictures:

    python docs/make_renders.py

It runs ``colead demo`` into a temporary folder and turns the first pages of the review,
the programme evaluation and one individual report into PNG with ``pdftoppm`` (Debian
package poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RENDERS = Path(__file__).resolve().parent / "renders"
#: report -> pages to render (1-based)
PAGES = {"review": (1, 2, 3, 4), "evaluation": (1, 3, 5), "person": (1, 3, 4)}


def main() -> None:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm not found: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "demo"
        subprocess.run(
            [sys.executable, "-m", "colead", "demo", "--out", str(out),
             "--db", f"sqlite:///{folder}/demo.db"],
            check=True, capture_output=True,
        )  # fmt: skip
        sources = {
            "review": out / "review.pdf",
            "evaluation": out / "evaluation.pdf",
            "person": sorted((out / "people").glob("*.pdf"))[0],
        }
        RENDERS.mkdir(exist_ok=True)
        for old in RENDERS.glob("*.png"):
            old.unlink()
        for name, pdf in sources.items():
            for page in PAGES[name]:
                stem = RENDERS / f"{name}-page{page}"
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                     "-singlefile", str(pdf), str(stem)],
                    check=True,
                )  # fmt: skip
    print(f"Wrote {len(list(RENDERS.glob('*.png')))} pictures to {RENDERS}")


if __name__ == "__main__":
    main()
