"""`colead import`: plain messages, --explain, dry-run wording, unfinished responses."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner, Result

from colead.cli import app
from colead.errors import InvalidData

DATA = Path(__file__).parents[1] / "ingest" / "data" / "tools"


def _run(*args: str, db: str) -> Result:
    return CliRunner().invoke(app, [*args, "--db", db])


def test_explain_writes_a_draft_and_reads_nothing_in(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    shutil.copy(DATA / "googleforms.csv", tmp_path / "g.csv")
    draft = tmp_path / "draft.yaml"
    result = _run(
        "import", "responses", str(tmp_path / "g.csv"), "--explain", "--write-mapping",
        str(draft), db=db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "layout googleforms, 72 data rows" in result.output
    assert "Draft mapping written to" in result.output and draft.exists()
    assert not (tmp_path / "c.db").exists()


def test_a_review_is_needed_to_import(tmp_path: Path) -> None:
    shutil.copy(DATA / "people.csv", tmp_path / "p.csv")
    result = _run("import", "people", str(tmp_path / "p.csv"), db=f"sqlite:///{tmp_path}/c.db")
    assert isinstance(result.exception, InvalidData)
    assert result.exception.exit_code == 2 and "--review" in result.exception.hint


def test_dry_run_says_would_and_problems_print_plainly(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    people = tmp_path / "people.csv"
    people.write_text(
        (DATA / "people.csv").read_text(encoding="utf-8")
        + "XX1,[bold]Odd[/bold] Name,,Northwind Rail,client,York HQ,Clerk,9,\n",
        encoding="utf-8",
    )
    result = _run("import", "people", str(people), "--review", "New one", "--dry-run", db=db)
    assert result.exit_code == 1, result.output
    assert "Would create review 'New one'." in result.output
    assert "Created review" not in result.output
    assert "would import" in result.output and "Nothing was written (--dry-run)." in result.output
    assert "[yellow]" not in result.output and "[/]" not in result.output
    assert "! " in result.output and "'[bold]Odd[/bold] Name'" not in result.output
    assert "column 'level'" in result.output


def test_unfinished_responses_shown_in_progress_or_rejected(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    for name in ("people.csv", "qualtrics-unfinished.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    assert (
        _run("import", "people", str(tmp_path / "people.csv"), "--review", "R", db=db).exit_code
        == 0
    )
    kept = _run("import", "responses", str(tmp_path / "qualtrics-unfinished.csv"), "--review", "R",
                db=db)  # fmt: skip
    assert kept.exit_code == 1, kept.output  # the earlier of a repeated response is rejected
    assert "┃ in progress ┃" in kept.output and "stored as in progress" in kept.output
    rejected = _run(
        "import", "responses", str(tmp_path / "qualtrics-unfinished.csv"), "--review", "R",
        "--unfinished", "reject", "--dry-run", db=db,
    )  # fmt: skip
    assert "did not finish" in rejected.output
