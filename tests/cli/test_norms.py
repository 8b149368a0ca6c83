"""``colead norms`` from the command line: problem lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from colead.cli import app
from colead.store import init_database

pytestmark = pytest.mark.integration


def test_import_problems_are_plain_lines_that_show_file_text_as_it_is(
    database_url: str, tmp_path: Path
) -> None:
    init_database(database_url)
    table = tmp_path / "norms.csv"
    table.write_text(
        "scale_id,n,mean,sd,source\n"
        "model,400,3.6,0.5,Sector survey\n"
        "[bold]x[/bold],400,3.6,0.5,Sector survey\n"
        "inspire,400,9.0,0.5,Sector survey\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["norms", "import", str(table), "--name", "Sector", "--db", database_url]
    )
    assert result.exit_code == 1, result.output
    problems = [line for line in result.stderr.splitlines() if line.startswith("! ")]
    assert len(problems) == 2, result.stderr
    assert any("[bold]x[/bold]" in line for line in problems), problems
    assert "[yellow]" not in result.output and "[/]" not in result.output
    assert "1 scales added" in result.stdout
