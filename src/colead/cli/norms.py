"""``colead norms``: benchmark norms: import a table, pool reviews, list the sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, FrameworkOption, plain_console, warn
from colead.config import load_settings
from colead.framework import load_framework

out = plain_console()
err = plain_console(stderr=True)

norms_app = typer.Typer(
    help="Benchmark norms: import, build from reviews, list.", no_args_is_help=True
)


@norms_app.command("import")
def norms_import(
    file: Annotated[Path, typer.Argument(help="CSV: scale_id, n, mean, sd[, p5 … p95, source].")],
    name: Annotated[str, typer.Option("--name", help="Name of the norm set.")],
    synthetic: Annotated[
        bool, typer.Option(help="Mark the norms as synthetic (labelled so in reports).")
    ] = False,
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Import a norms table into a named norm set (replacing it if it exists)."""
    from colead.jobs.norms import import_norms_file

    settings = load_settings(database_url=db, framework_path=str(framework) if framework else None)
    report = import_norms_file(
        settings.database_url,
        file,
        name,
        load_framework(settings.framework_path),
        synthetic=synthetic,
    )
    for problem in report.problems:
        warn(err, str(problem))
    out.print(
        f"Norm set {name!r}: {report.inserted} scales added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.rejected_rows)} rows rejected."
    )
    if report.rejected_rows:
        raise typer.Exit(1)


@norms_app.command("build")
def norms_build(
    review: Annotated[list[str], typer.Option("--review", help="Review to pool (repeat).")],
    name: Annotated[str, typer.Option("--name", help="Name of the norm set.")],
    min_n: Annotated[int, typer.Option("--min-n", help="Fewest people per scale.")] = 30,
    synthetic: Annotated[bool, typer.Option(help="Mark the norms as synthetic.")] = False,
    db: DbOption = None,
) -> None:
    """Build norms from people's observer scores in the latest wave of each review."""
    from colead.jobs.norms import build_norms_from_reviews

    if min_n < 2:
        raise typer.BadParameter("must be at least 2", param_hint="--min-n")
    settings = load_settings(database_url=db)
    built = build_norms_from_reviews(
        settings.database_url, review, name, min_n=min_n, synthetic=synthetic
    )
    out.print(
        f"Norm set {name!r} from {built.people} people: {len(built.scales)} scales "
        f"(n {min(built.scales.values(), default=0)}–{max(built.scales.values(), default=0)})."
    )
    for scale, reason in built.skipped.items():
        warn(err, f"{scale}: {reason}")


@norms_app.command("list")
def norms_list(db: DbOption = None) -> None:
    """List the stored norm sets."""
    from colead.jobs.norms import describe_norm_sets

    settings = load_settings(database_url=db)
    table = Table("name", "scales", "synthetic", "source")
    for name, scales, synthetic, source in describe_norm_sets(settings.database_url):
        table.add_row(name, str(scales), "yes" if synthetic else "no", source or "")
    out.print(table)
