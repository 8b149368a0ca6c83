"""``colead framework``: check a framework file, or show what a framework holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from colead.cli.options import plain_console, warn
from colead.framework import framework_problems, load_framework
from colead.framework.loader import default_framework_path

out = plain_console()
err = plain_console(stderr=True)

framework_app = typer.Typer(help="Inspect and check measurement frameworks.", no_args_is_help=True)


@framework_app.command("check")
def framework_check(
    path: Annotated[Path, typer.Argument(help="Framework YAML file to check.")],
) -> None:
    """List every problem in a framework file (exit 3 if there are any)."""
    problems = framework_problems(path)
    if not problems:
        fw = load_framework(path)
        out.print(f"{path}: valid ({fw.label}, {len(fw.item_ids)} items).")
        return
    for line in problems:
        warn(err, line)
    raise typer.Exit(3)


@framework_app.command("show")
def framework_show(
    path: Annotated[Path | None, typer.Argument(help="Framework file (default: built-in).")] = None,
) -> None:
    """Summarise a framework: families, scales and item counts."""
    fw = load_framework(path)
    where = path or default_framework_path()
    out.print(Text.assemble((fw.title, "bold"), f" ({fw.label}) — {where}"), highlight=False)
    table = Table("family", "scale", "title", "items")
    for family in fw.families:
        for scale in family.scales:
            table.add_row(family.id, scale.id, scale.title, str(len(scale.items)))
    out.print(table)
