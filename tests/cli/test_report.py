"""`colead demo` and `colead report review|person|evaluation`, run as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.integration


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLEAD_")}
    return subprocess.run(
        [sys.executable, "-m", "colead", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    return len(reader.pages), text


@dataclass(frozen=True)
class Demo:
    db: str
    out: Path
    review: str
    stdout: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One small demo database and its reports, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{folder / 'demo.db'}"
    result = run_cli("demo", "--size", "small", "--db", db, "--out", str(folder / "out"))
    assert result.returncode == 0, result.stderr
    html = (folder / "out" / "review.html").read_text(encoding="utf-8")
    name = re.search(r"Demo: [^\n(<]+\(seed 7, small\)", html)
    assert name is not None
    return Demo(db, folder / "out", name.group(0), result.stdout)


def test_demo_lists_each_report_as_html_and_pdf(demo: Demo) -> None:
    people = sorted(p.stem for p in (demo.out / "people").glob("*.html"))
    assert len(people) == 5
    files = ("review-baseline", "review-follow-up", "review", "evaluation")
    files += tuple(f"people/{pid}" for pid in people)
    for stem in files:
        for suffix in (".html", ".pdf"):
            path = demo.out / f"{stem}{suffix}"
            assert str(path) in demo.stdout, path
            assert path.is_file()
        assert (demo.out / f"{stem}.pdf").read_bytes().startswith(b"%PDF-")
    assert (demo.out / "review.pdf").read_bytes() == (
        demo.out / "review-follow-up.pdf"
    ).read_bytes()


def test_report_format_pdf_writes_a_pdf_and_exits_0(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "r" / "baseline.pdf"
    result = run_cli(
        "report", "review", "--review", demo.review, "--wave", "baseline", "--db", demo.db,
        "--out", str(target), "--format", "pdf",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"review report to {target}" in result.stdout
    assert sorted(p.name for p in target.parent.iterdir()) == ["baseline.pdf"]
    assert target.read_bytes().startswith(b"%PDF-")
    pages, text = _pdf_text(target)
    assert pages > 1
    assert demo.review in text and "baseline" in text
    assert "Role model the way" in text
    assert f"page 2 of {pages}" in text


def test_report_format_both_writes_html_and_pdf_side_by_side(demo: Demo, tmp_path: Path) -> None:
    result = run_cli(
        "report", "review", "--review", demo.review, "--db", demo.db,
        "--out", str(tmp_path / "latest.html"), "--format", "both",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.html", "latest.pdf"]
    html = (tmp_path / "latest.html").read_text(encoding="utf-8")
    stamp = re.search(r"<dt>Generated</dt><dd>([^<]+)</dd>", html)
    assert stamp is not None
    _, text = _pdf_text(tmp_path / "latest.pdf")
    assert stamp.group(1) in text  # one generation time for both files


def test_an_unknown_format_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = run_cli(
        "report", "review", "--review", "x", "--db", f"sqlite:///{tmp_path / 'none.db'}",
        "--out", str(tmp_path / "r.docx"), "--format", "docx",
    )  # fmt: skip
    assert result.returncode == 2
    message = " ".join(result.stderr.replace("│", " ").split())
    assert "'docx' is not one of 'html', 'pdf', 'both'" in message
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_report_review_into_a_folder_names_the_file_after_the_wave(
    demo: Demo, tmp_path: Path
) -> None:
    result = run_cli(
        "report", "review", "--review", demo.review, "--db", demo.db, "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review-follow-up.html"]


def test_report_evaluation_of_the_follow_up_and_refusal_for_the_baseline(
    demo: Demo, tmp_path: Path
) -> None:
    result = run_cli(
        "report", "evaluation", "--review", demo.review, "--db", demo.db,
        "--out", str(tmp_path), "--format", "both",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["evaluation-follow-up.html", "evaluation-follow-up.pdf"]
    html = (tmp_path / "evaluation-follow-up.html").read_text(encoding="utf-8")
    assert "did the programme change anything?" in html
    _, text = _pdf_text(tmp_path / "evaluation-follow-up.pdf")
    for heading in ("The short answer", "Behaviour: what others see", "Results: contract KPIs"):
        assert heading in text
    baseline = run_cli(
        "report", "evaluation", "--review", demo.review, "--wave", "baseline", "--db", demo.db,
        "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert baseline.returncode == 5 and "no programme to evaluate" in baseline.stderr
    assert "Traceback" not in baseline.stdout + baseline.stderr


def test_report_person_needs_a_person_or_all(demo: Demo, tmp_path: Path) -> None:
    neither = run_cli("report", "person", "--review", demo.review, "--db", demo.db)
    assert neither.returncode == 2 and "--person ID" in neither.stderr
    unknown = run_cli(
        "report", "person", "--review", demo.review, "--db", demo.db, "--person", "NOBODY",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert unknown.returncode == 5 and "NOBODY" in unknown.stderr
    assert "Traceback" not in unknown.stdout + unknown.stderr


def test_report_person_all_and_one_as_pdf(demo: Demo, tmp_path: Path) -> None:
    everyone = run_cli(
        "report", "person", "--review", demo.review, "--db", demo.db, "--all",
        "--out", str(tmp_path / "all"),
    )  # fmt: skip
    assert everyone.returncode == 0, everyone.stderr
    pages = sorted((tmp_path / "all").glob("*.html"))
    assert 250 <= len(pages) <= 300  # everyone with a completed form about them
    assert f"{len(pages)} individual report file(s)" in everyone.stdout
    one = pages[0].stem
    pdf = run_cli(
        "report", "person", "--review", demo.review, "--db", demo.db, "--person", one,
        "--format", "pdf", "--out", str(tmp_path / "one"),
    )  # fmt: skip
    assert pdf.returncode == 0, pdf.stderr
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == [f"{one}.pdf"]
    _, text = _pdf_text(tmp_path / "one" / f"{one}.pdf")
    assert "How to read this page" in text
