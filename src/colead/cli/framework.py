"""``colead framework``: check a framework file, or show what a framework holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from colead.framework import framework_problems, load_framework
from colead.framework.loader import default_framework_path

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

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
        err.print(f"[red]✗[/] {line}", highlight=False)
    raise typer.Exit(3)


@framework_app.command("show")
def framework_show(
    path: Annotated[Path | None, typer.Argument(help="Framework file (default: built-in).")] = None,
) -> None:
    """Summarise a framework: families, scales and item counts."""
    fw = load_framework(path)
    out.print(f"[bold]{fw.title}[/] ({fw.label}) — {path or default_framework_path()}")
    table = Table("family", "scale", "title", "items")
    for family in fw.families:
        for scale in family.scales:
            table.add_row(family.id, scale.id, scale.title, str(len(scale.items)))
    out.print(table)
