"""``colead vocab``: count the lead/manage vocabulary of documents (the paper's Table 1).

Parsing and printing only; the work is done by :mod:`colead.vocab`. Files that cannot be
read are reported one by one and the others still analysed; the exit code is then 2 (the
code of unreadable input), after the output is printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import plain_console, warn
from colead.errors import InvalidData, OutputError

if TYPE_CHECKING:
    from colead.vocab import DocumentResult, VocabReport

out = plain_console()
err = plain_console(stderr=True)

#: how many role-only and behaviour sentences the text output lists per document
SHOWN_STATEMENTS = 10


def register(app: typer.Typer) -> None:
    """Add ``vocab`` to the ``colead`` command."""
    app.command("vocab")(vocab_command)


def vocab_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Documents: TXT, Markdown, HTML, PDF (with a text layer) or DOCX."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the Table 1 layout to this CSV file.")
    ] = None,
    families_file: Annotated[
        Path | None,
        typer.Option("--families", help="YAML file of word families (default: lead, manage)."),
    ] = None,
    by_section: Annotated[
        bool, typer.Option("--by-section", help="Also count per heading or clause number.")
    ] = False,
    concordance: Annotated[
        Path | None,
        typer.Option("--concordance", help="Write every hit in its context to this CSV file."),
    ] = None,
    nlp: Annotated[
        str | None,
        typer.Option(
            "--nlp",
            help="Part of speech by 'rules' (default) or an installed spaCy model: spacy:MODEL.",
        ),
    ] = None,
) -> None:
    """Count lead and manage words (roles, actions, qualities) in documents, per document,
    overall and as proportions, and list role-only guidance."""
    from colead.vocab import analyse_files, load_families, make_tagger
    from colead.vocab.records import concordance_rows, report_record, table1_rows

    if as_json and csv_out is not None:
        raise InvalidData("Give --json or --csv, not both.", "Choose one output format.")
    families = load_families(families_file)
    tagger = make_tagger(nlp)
    report = analyse_files(files, families, tagger)
    if csv_out is not None:
        _write_csv(csv_out, table1_rows(report))
    if concordance is not None:
        _write_csv(concordance, concordance_rows(report))
    if as_json:
        print(json.dumps(report_record(report, by_section=by_section), ensure_ascii=False))
    else:
        _print(report, by_section=by_section)
        if csv_out is not None:
            out.print(f"Table 1 written to {csv_out}", markup=False, highlight=False)
        if concordance is not None:
            out.print(f"Concordance written to {concordance}", markup=False, highlight=False)
    for error in report.errors:
        warn(err, f"Not analysed: {error.message}")
    if report.errors:
        raise typer.Exit(code=InvalidData.exit_code)


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    from colead.ingest.spreadsheet import SafeCsvWriter

    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            SafeCsvWriter(handle).writerows(rows)
    except OSError as exc:
        raise OutputError(
            f"Cannot write {path}: {exc.strerror}.", "Choose a folder you can write to."
        ) from None


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _print(report: VocabReport, *, by_section: bool) -> None:
    from colead.vocab.records import table1_rows

    rows = table1_rows(report)
    table = Table(
        title=f"Lead and manage vocabulary (part of speech by {report.method})",
        title_justify="left",
    )
    for i, column in enumerate(rows[0]):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows[1:]:
        table.add_row(*row)
    out.print(table)
    for document in report.documents:
        if by_section:
            _print_sections(document)
        _print_statements(document)


def _print_sections(document: DocumentResult) -> None:
    table = Table(title=f"{document.file} by section", title_justify="left")
    table.add_column("section")
    table.add_column("words", justify="right")
    names = list(document.families)
    for name in names:
        table.add_column(name, justify="right")
    for name in names:
        table.add_column(f"{name} %", justify="right")
    from colead.vocab import proportions

    for section in document.sections:
        shares = proportions(section.families)
        table.add_row(
            section.section,
            str(section.words),
            *(str(section.families[n].count) for n in names),
            *(_share(shares[n]) for n in names),
        )
    out.print(table)


def _print_statements(document: DocumentResult) -> None:
    out.print(
        f"{document.file}: {len(document.role_obligations)} sentences put an obligation on a "
        f"role; {len(document.behaviours)} describe behaviour (verb forms).",
        markup=False,
        highlight=False,
    )
    for statement in document.role_obligations[:SHOWN_STATEMENTS]:
        where = f"p. {statement.page}" if statement.page else f"line {statement.line}"
        out.print(
            f"  [{where}] ({statement.role} {statement.obligation}) {statement.sentence}",
            markup=False,
            highlight=False,
        )
    hidden = len(document.role_obligations) - SHOWN_STATEMENTS
    if hidden > 0:
        out.print(f"  … and {hidden} more (see --json or the console).", markup=False)
