"""``colead report review|person|evaluation``: the three reports, as HTML, PDF or both."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from colead.cli.options import (
    DbOption,
    NormsOption,
    ReviewOption,
    WaveOption,
    database_session,
    plain_console,
)
from colead.config import load_settings

out = plain_console()
err = plain_console(stderr=True)

report_app = typer.Typer(
    help="Write the relationship review, individual 360 or programme evaluation reports.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    both = "both"


FormatOption = Annotated[
    ReportFormat,
    typer.Option("--format", help="HTML page, print-ready PDF (A4), or both."),
]
OutOption = Annotated[
    Path,
    typer.Option("--out", help="Folder for the report, or a file name ending in .html or .pdf."),
]


@report_app.command("review")
def review_report(
    review: ReviewOption,
    wave: WaveOption = None,
    fmt: FormatOption = ReportFormat.html,
    output: OutOption = Path("."),
    norms: NormsOption = None,
    db: DbOption = None,
) -> None:
    """The relationship review report of one wave, with the relationship action log."""
    from colead.development.review_actions import action_log
    from colead.jobs.norms import load_norms
    from colead.jobs.report_files import write_review_report

    settings = load_settings(database_url=db)
    norm_set = load_norms(settings.database_url, norms) if norms else None
    with database_session(settings.database_url) as session:
        actions = action_log(session, review, date.today())
    results, paths = write_review_report(
        settings.database_url,
        review,
        wave,
        output,
        settings.anonymity_minimum,
        norm_set,
        formats=fmt.value,
        actions=actions,
    )
    for path in paths:
        out.print(f"Wrote the {results.wave!r} review report to {path}")


@report_app.command("evaluation")
def evaluation_report(
    review: ReviewOption,
    wave: WaveOption = None,
    fmt: FormatOption = ReportFormat.html,
    output: OutOption = Path("."),
    db: DbOption = None,
) -> None:
    """The programme evaluation: the first wave against this one (default: the latest)."""
    from colead.jobs.report_files import write_evaluation_report

    settings = load_settings(database_url=db)
    results, paths = write_evaluation_report(
        settings.database_url,
        review,
        wave,
        output,
        settings.anonymity_minimum,
        formats=fmt.value,
    )
    for path in paths:
        out.print(f"Wrote the programme evaluation ({results.wave!r}) to {path}")


@report_app.command("person")
def person_report(
    review: ReviewOption,
    wave: WaveOption = None,
    person: Annotated[
        list[str] | None,
        typer.Option("--person", help="Person id (repeat for several)."),
    ] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Everyone rated in the wave.")] = False,
    fmt: FormatOption = ReportFormat.html,
    output: Annotated[
        Path, typer.Option("--out", help="Folder for the reports (one file per person).")
    ] = Path("."),
    jobs: Annotated[
        int | None, typer.Option("--jobs", help="Reports rendered at once (default: all cores).")
    ] = None,
    norms: NormsOption = None,
    db: DbOption = None,
) -> None:
    """Individual 360 reports: one per person, named after the person id."""
    from colead.errors import ConfigurationError
    from colead.jobs.norms import load_norms
    from colead.jobs.report_files import write_person_report_files

    if bool(person) == everyone:
        raise ConfigurationError(
            "Say whose reports to write.", "Give --person ID (one or more) or --all."
        )
    settings = load_settings(database_url=db)
    norm_set = load_norms(settings.database_url, norms) if norms else None
    with Progress(
        "{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("Individual reports", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        paths = write_person_report_files(
            settings.database_url,
            review,
            wave,
            output,
            settings.anonymity_minimum,
            people=None if everyone else list(person or []),
            norms=norm_set,
            formats=fmt.value,
            jobs=jobs,
            progress=progress,
        )
    shown = paths if len(paths) <= 5 else [*paths[:3], None, paths[-1]]
    for path in shown:
        out.print(f"Wrote {path}" if path is not None else f"… {len(paths) - 4} more …")
    out.print(f"{len(paths)} individual report file(s) in {output}")
