"""``colead framework check`` and ``show`` from the command line: text from the file is
printed as it is."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from colead.cli import app
from colead.framework import default_framework_path

TITLE = "Our [bold]x[/bold] review [/]"


def _framework_file(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(default_framework_path().read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "[bold]x" / "framework.yaml"  # rich would read "[bold]" as a style
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_show_prints_a_title_with_brackets_as_it_is(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["framework", "show", str(_framework_file(tmp_path, title=TITLE))]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{TITLE} (")


def test_check_prints_each_problem_on_a_plain_line(tmp_path: Path) -> None:
    path = _framework_file(tmp_path, title=TITLE, version="one")
    result = CliRunner().invoke(app, ["framework", "check", str(path)])
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert lines, result.output
    assert all(line.startswith(f"! {path}: ") for line in lines), lines
    assert "[yellow]" not in result.output and "[red]" not in result.output
