"""``colead import`` and ``colead export``: files in and out of a review."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from colead.cli.options import plain_console, warn
from colead.config import load_settings

out = plain_console()
err = plain_console(stderr=True)

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
    qualtrics_legacy = "qualtrics_legacy"
    msforms = "msforms"
    googleforms = "googleforms"
    surveymonkey = "surveymonkey"
    limesurvey = "limesurvey"


class Unfinished(StrEnum):
    keep = "keep"
    reject = "reject"


class ExportKind(StrEnum):
    responses = "responses"
    scores = "scores"
    people = "people"


def import_command(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file.")],
    review: Annotated[
        str | None,
        typer.Option("--review", help="Review name (created if new); not needed with --explain."),
    ] = None,
    wave: Annotated[
        str | None, typer.Option("--wave", help="Wave (default: the latest; created if new).")
    ] = None,
    file_format: Annotated[
        FileFormat,
        typer.Option("--format", help="Layout of the file (auto: detected from its headers)."),
    ] = FileFormat.auto,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML mapping of columns, items and labels."),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="XLSX sheet to read.")] = None,
    unfinished: Annotated[
        Unfinished,
        typer.Option(
            "--unfinished",
            help="Responses the survey tool marks unfinished: keep them as in progress "
            "(counted nowhere until completed) or reject them.",
        ),
    ] = Unfinished.keep,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Show how each column would be read; read nothing into a review."
        ),
    ] = False,
    write_mapping: Annotated[
        Path | None,
        typer.Option("--write-mapping", help="With --explain: write a draft mapping file to edit."),
    ] = None,
    framework: Annotated[
        Path | None, typer.Option("--framework", help="Framework YAML for a new wave.")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Import people, nominations, responses, KPIs, norms or enrolments from a file.

    Exit code 0: every row imported; 1: some rows rejected (see FILE.rejected.csv);
    2: nothing imported (unreadable file, wrong kind, missing columns).
    """
    from colead.errors import InvalidData
    from colead.framework import load_framework
    from colead.ingest.importing import import_file

    settings = load_settings(database_url=db, framework_path=str(framework) if framework else None)
    if explain or write_mapping is not None:
        _explain(kind, file, file_format, mapping, sheet, settings.framework_path, write_mapping)
        return
    if review is None:
        raise InvalidData("Which review? No --review was given.", "Add --review NAME.")
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
        unfinished=unfinished.value,
    )
    if outcome.review_created:
        verb = "Would create" if dry_run else "Created"
        out.print(f"{verb} review {outcome.review!r}.", highlight=False, markup=False)
    for note in outcome.notes:
        out.print(f"Note: {note}", highlight=False, markup=False)
    for problem in outcome.problems[:MAX_SHOWN]:
        warn(err, str(problem))
    if len(outcome.problems) > MAX_SHOWN:
        err.print(f"… and {len(outcome.problems) - MAX_SHOWN} more problems.", markup=False)
    title = f"{'Dry run: ' if dry_run else ''}{kind.value} from {file.name}"
    if outcome.wave:
        title += f" into wave {outcome.wave!r}"
    verb = "would import" if dry_run else "imported"
    columns = ["read", verb, "updated", "unchanged", "rejected"]
    values = [outcome.read, outcome.imported, outcome.updated, outcome.unchanged, outcome.rejected]
    if outcome.in_progress:
        columns.insert(2, "in progress")
        values.insert(2, outcome.in_progress)
    table = Table(*columns, title=Text(title))
    table.add_row(*map(str, values))
    out.print(table)
    if outcome.quarantine is not None:
        out.print(
            f"Rejected rows, with the reason in an 'error' column: {outcome.quarantine}",
            highlight=False,
            markup=False,
        )
    if dry_run:
        out.print("Nothing was written (--dry-run).")
    raise typer.Exit(outcome.exit_code)


def _explain(
    kind: Kind,
    file: Path,
    file_format: FileFormat,
    mapping: Path | None,
    sheet: str | None,
    framework_path: str | None,
    write_mapping: Path | None,
) -> None:
    from colead.framework import load_framework
    from colead.ingest.explain import explain_file
    from colead.ingest.mapping import load_mapping

    layout = "auto" if file_format.value in ("csv", "xlsx") else file_format.value
    explanation = explain_file(
        file,
        kind.value,
        load_framework(framework_path),
        mapping=load_mapping(mapping),
        layout=layout,
        sheet=sheet,
    )
    table = Table(
        "column",
        "read as",
        "how",
        title=Text(
            f"{file.name}: {kind.value}, layout {explanation.layout}, {explanation.rows} data rows"
        ),
    )
    for reading in explanation.columns:
        table.add_row(Text(reading.column), Text(reading.read_as or "-"), Text(reading.how))
    out.print(table)
    for note in explanation.notes:
        out.print(f"Note: {note}", highlight=False, markup=False)
    for section, labels in explanation.unknown_labels.items():
        shown = ", ".join(repr(label) for label in labels)
        out.print(
            f"Labels colead cannot read yet ({section}:): {shown}", highlight=False, markup=False
        )
    if write_mapping is not None:
        write_mapping.write_text(explanation.draft, encoding="utf-8")
        out.print(
            f"Draft mapping written to {write_mapping}; edit it, then import with "
            f"--mapping {write_mapping}.",
            highlight=False,
            markup=False,
        )
    else:
        out.print("Nothing was imported (--explain). Add --write-mapping FILE for a draft mapping.")


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
