"""``colead import`` and ``colead export``: files in and out of a review."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from colead.config import load_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

#: shown problems before "… and N more" (the quarantine file has them all)
MAX_SHOWN = 20


class Kind(StrEnum):
    people = "people"
    nominations = "nominations"
    responses = "responses"
    kpis = "kpis"
    norms = "norms"
    enrolments = "enrolments"


class FileFormat(StrEnum):
    auto = "auto"
    csv = "csv"
    xlsx = "xlsx"
    long = "long"
    wide = "wide"
    qualtrics = "qualtrics"
    msforms = "msforms"
    googleforms = "googleforms"


class ExportKind(StrEnum):
    responses = "responses"
    scores = "scores"
    people = "people"


def import_command(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file.")],
    review: Annotated[str, typer.Option("--review", help="Review name (created if new).")],
    wave: Annotated[
        str | None, typer.Option("--wave", help="Wave (default: the latest; created if new).")
    ] = None,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="Layout of the file.")
    ] = FileFormat.auto,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML mapping of columns, items, labels.")
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet to read.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    framework: Annotated[
        Path | None, typer.Option("--framework", help="Framework YAML for a new wave.")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Import people, nominations, responses, KPIs, norms or enrolments from a file.

    Exit code 0: every row imported; 1: some rows rejected (see FILE.rejected.csv);
    2: nothing imported (unreadable file, wrong kind, missing columns).
    """
    from colead.framework import load_framework
    from colead.ingest.importing import import_file

    settings = load_settings(database_url=db, framework_path=str(framework) if framework else None)
    outcome = import_file(
        settings.database_url,
        kind.value,
        file,
        review=review,
        wave=wave,
        file_format=file_format.value,
        mapping_path=mapping,
        sheet=sheet,
        framework=load_framework(settings.framework_path) if framework else None,
        dry_run=dry_run,
        minimum=settings.anonymity_minimum,
    )
    if outcome.review_created:
        out.print(f"Created review {outcome.review!r}.")
    for note in outcome.notes:
        out.print(f"Note: {note}", highlight=False, markup=False)
    for problem in outcome.problems[:MAX_SHOWN]:
        err.print(f"[yellow]![/] {problem}", highlight=False, markup=False)
    if len(outcome.problems) > MAX_SHOWN:
        err.print(f"… and {len(outcome.problems) - MAX_SHOWN} more problems.")
    title = f"{'Dry run: ' if dry_run else ''}{kind.value} from {file.name}"
    if outcome.wave:
        title += f" into wave {outcome.wave!r}"
    table = Table("read", "imported", "updated", "unchanged", "rejected", title=title)
    table.add_row(
        str(outcome.read),
        str(outcome.imported),
        str(outcome.updated),
        str(outcome.unchanged),
        str(outcome.rejected),
    )
    out.print(table)
    if outcome.quarantine is not None:
        out.print(f"Rejected rows, with the reason in an 'error' column: {outcome.quarantine}")
    if dry_run:
        out.print("Nothing was written (--dry-run).")
    raise typer.Exit(outcome.exit_code)


def export_command(
    kind: Annotated[ExportKind, typer.Argument(help="What to export.")],
    file: Annotated[Path, typer.Argument(help="Target: .csv, .xlsx or .parquet.")],
    review: Annotated[str, typer.Option("--review", help="Review name.")],
    wave: Annotated[str | None, typer.Option("--wave", help="Wave (default: the latest).")] = None,
    identifiable: Annotated[
        bool,
        typer.Option(
            "--identifiable",
            help="Include rater ids and every form (recorded in the audit log).",
        ),
    ] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Export responses, scores or people of a review to CSV, XLSX or Parquet."""
    from colead.jobs.exports import export_table

    settings = load_settings(database_url=db)
    result = export_table(
        settings.database_url,
        kind.value,
        file,
        review=review,
        wave=wave,
        identifiable=identifiable,
        minimum=settings.anonymity_minimum,
    )
    out.print(f"Wrote {result.rows} rows × {result.columns} columns to {result.path}")
    for note in result.notes:
        out.print(note)
