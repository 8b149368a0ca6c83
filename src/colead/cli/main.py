"""The ``colead`` command line: parse options, call the core, print results.

Errors a user can fix arrive as :class:`colead.errors.ColeadError` and are turned into a
message and an exit code in one place, :func:`main`.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from colead import __version__
from colead.analysis import QUADRANT_LABELS, ReviewResults
from colead.cli.admin import admin_app
from colead.cli.backup import register as register_backup_commands
from colead.cli.follow_up import register as register_follow_up_commands
from colead.cli.framework import framework_app
from colead.cli.import_export import export_command, import_command
from colead.cli.invitations import invitations_app
from colead.cli.mail import add_mail_commands
from colead.cli.norms import norms_app
from colead.cli.options import DbOption, FrameworkOption, NormsOption, plain_console, warn
from colead.cli.participants import register as register_participant_commands
from colead.cli.plans import register as register_plan_commands
from colead.cli.privacy import register as register_privacy_commands
from colead.cli.programme import register as register_programme_commands
from colead.cli.report import report_app
from colead.cli.review import review_app
from colead.cli.roi import roi_app
from colead.cli.select import register as register_select_command
from colead.cli.serve import serve_command
from colead.cli.stats import stats_app
from colead.cli.vocab import register as register_vocab_commands
from colead.cli.wave import wave_app
from colead.config import load_settings, shown_url
from colead.errors import ColeadError
from colead.framework import load_framework

if TYPE_CHECKING:
    from colead.jobs.demo import DemoResult

app = typer.Typer(
    help="colead: measure, develop and evaluate collaborative leadership (ISO 44001).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(framework_app, name="framework")
app.add_typer(norms_app, name="norms")
app.add_typer(stats_app, name="stats")
app.add_typer(report_app, name="report")
app.add_typer(roi_app, name="roi")
app.add_typer(review_app, name="review")
app.add_typer(wave_app, name="wave")
app.add_typer(admin_app, name="admin")
app.add_typer(invitations_app, name="invitations")
register_participant_commands(app)
register_plan_commands(app)
register_programme_commands(app)
register_follow_up_commands(wave_app)
register_select_command(app)
register_vocab_commands(app)
register_backup_commands(app)
register_privacy_commands(app)
app.command("import")(import_command)
app.command("export")(export_command)
app.command("serve")(serve_command)
add_mail_commands(app)

out = plain_console()
err = plain_console(stderr=True)


class Size(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


def _version(value: bool) -> None:
    if value:
        out.print(f"colead {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """colead: measure, develop and evaluate collaborative leadership (ISO 44001)."""


@contextmanager
def _step(label: str) -> Iterator[None]:
    started = time.perf_counter()
    with err.status(f"{label}…"):
        yield
    elapsed = time.perf_counter() - started
    err.print(Text.assemble(("✓", "green"), f" {label} ", (f"({elapsed:.1f} s)", "dim")))


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path(
        "colead-demo"
    ),
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated review.")] = 7,
    size: Annotated[Size, typer.Option(help="How large a relationship to simulate.")] = Size.small,
    framework: FrameworkOption = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also write each report as a PDF.")
    ] = True,
) -> None:
    """Simulate a client–supplier relationship, store it, analyse it and write the reports."""
    from colead.jobs.demo import run_demo

    settings = load_settings(database_url=db, framework_path=str(framework) if framework else None)
    loaded = load_framework(settings.framework_path)
    result = run_demo(
        database_url=settings.database_url,
        out_dir=out_dir,
        framework=loaded,
        seed=seed,
        size=size.value,
        minimum=settings.anonymity_minimum,
        step=_step,
        pdf=pdf,
    )
    results = result.latest
    table = Table(title="colead demo", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Review", results.review + (" (replaced)" if result.replaced else ""))
    table.add_row("Database", result.database_url)
    table.add_row(
        "Relationship",
        f"{results.n_people} people, {results.n_organisations} organisations, "
        f"{results.n_sites} sites, {len(result.simulated.waves)} waves",
    )
    part = results.participation
    table.add_row(
        f"Forms ({results.wave})",
        f"{part.completed} of {part.invited} completed ({part.rate:.0%})",
    )
    if results.continuum is not None and len(results.continuum.table):
        counts = results.continuum.table["quadrant"].value_counts()
        table.add_row(
            "Sites",
            "; ".join(f"{QUADRANT_LABELS[q]}: {n}" for q, n in counts.items()),
        )
    _story_rows(table, result)
    out.print(table)
    # Paths go on lines of their own so a narrow terminal never wraps or crops them.
    for label, path in result.report_paths.items():
        out.print(f"Report ({label}): {path}", soft_wrap=True, highlight=False)
    for note in result.notes:
        warn(err, note)
    out.print("All people and results in this review are synthetic.", style="dim")


def _story_rows(table: Table, result: DemoResult) -> None:
    """The development loop in a few lines: who was chosen, what they did, what changed."""
    story = result.story
    selection, cohort = story.selection.selection, story.selection.cohort
    line = f"{len(selection.in_need)} of {len(selection.people)} ranked people in need"
    if cohort is not None:
        line += f"; cohort of {cohort.size}, {cohort.top_share:.0%} from the top levels"
    table.add_row(f"Selection ({story.selection.wave})", line)
    programme = story.programme
    cost = programme.total_cost
    attendance = programme.attendance_rate
    table.add_row(
        "Programme",
        f"{programme.name}: {programme.enrolled} enrolled, {programme.completed} completed"
        + (f", {attendance:.0%} of sessions attended" if attendance is not None else "")
        + (f", cost {cost:,.0f}" if cost is not None else ""),
    )
    table.add_row(
        "Development plans",
        f"{len(story.plans.created)} plans; actions " + _status_counts(story.plan_actions),
    )
    table.add_row("Improvement actions", _status_counts(story.review_actions))
    answered, asked = story.reactions
    table.add_row("Reaction questionnaire", f"answered by {answered} of {asked} completers")
    drift = [w for w in story.stability.warnings if w.drift]
    table.add_row(
        "Scale stability",
        "every scale behaves as at baseline"
        if not drift
        else f"{len(drift)} drift warnings: " + "; ".join(w.message for w in drift[:3]),
    )
    evaluation = result.latest.evaluation
    if evaluation is not None:
        did = evaluation.did.set_index("measure")
        if evaluation.composite in did.index:
            row = did.loc[evaluation.composite]
            adjusted = "adjusted_effect" in row.index and math.isfinite(row["adjusted_ci_low"])
            prefix = "adjusted_" if adjusted else ""
            basis = " at the same starting score" if adjusted else ""
            table.add_row(
                "Programme effect",
                f"{evaluation.composite} {row[f'{prefix}effect']:+.2f} more than others"
                f"{basis} (95% CI {row[f'{prefix}ci_low']:+.2f} to "
                f"{row[f'{prefix}ci_high']:+.2f}); unadjusted {row['effect']:+.2f}",
            )
        roi = evaluation.roi
        if roi is not None and roi.roi_percent is not None:
            interval = (
                f"{roi.roi_low:.0f}% to {roi.roi_high:.0f}%"
                if roi.roi_low is not None and roi.roi_high is not None
                else "no interval"
            )
            table.add_row(
                "Return on investment",
                f"{roi.roi_percent:.0f}% (range {interval}): benefits {roi.benefits:,.0f} "
                f"against costs {roi.costs:,.0f} {evaluation.roi_currency or ''}".rstrip()
                if roi.determined
                else f"cannot be determined ({roi.undetermined_reason}); range {interval}",
            )


def _status_counts(counts: dict[str, int]) -> str:
    order = ("done", "in_progress", "open", "dropped")
    parts = [f"{counts[s]} {s.replace('_', ' ')}" for s in order if counts.get(s)]
    return ", ".join(parts) or "none"


@app.command()
def init(db: DbOption = None) -> None:
    """Create the colead database schema, or upgrade an existing database to this version."""
    from colead.store import init_database

    settings = load_settings(database_url=db)
    before, after = init_database(settings.database_url)
    where = shown_url(settings.database_url)
    if before is None:
        out.print(f"Created the colead schema (revision {after}) in {where}")
    elif before == after:
        out.print(f"{where} is up to date (revision {after}).")
    else:
        out.print(f"Upgraded {where} from revision {before} to {after}.")


@app.command()
def analyse(
    review: Annotated[str, typer.Option("--review", help="Name of the review.")],
    wave: Annotated[
        str | None, typer.Option("--wave", help="Wave name (default: the latest).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the full results to this JSON file.")
    ] = None,
    norms: NormsOption = None,
    db: DbOption = None,
) -> None:
    """Analyse one wave of a review; print a summary and optionally write all results as JSON."""
    from colead.jobs.analyse import analyse_review
    from colead.jobs.norms import load_norms
    from colead.reports.results_json import write_results_json
    from colead.store import open_database

    settings = load_settings(database_url=db)
    norm_set = load_norms(settings.database_url, norms) if norms else None
    engine = open_database(settings.database_url)
    try:
        results = analyse_review(engine, review, wave, settings.anonymity_minimum, norm_set)
    finally:
        engine.dispose()
    _print_summary(results)
    if json_file is not None:
        out.print(f"Wrote the results to {write_results_json(results, json_file)}")


def _print_summary(results: ReviewResults) -> None:
    part = results.participation
    table = Table(title=f"{results.review} — {results.wave}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("People / sites", f"{results.n_people} / {results.n_sites}")
    rate = f" ({part.rate:.0%})" if part.invited else ""
    table.add_row("Forms", f"{part.completed} of {part.invited} completed{rate}")
    wide = results.site_profile.wide("mean")
    for family in (
        (results.continuum.passion_family, results.continuum.system_family)
        if (results.continuum)
        else ()
    ):
        scales = [s.id for s in results.scales_of(family) if s.id in wide.columns]
        if scales:
            means = wide[scales].mean(axis=1)
            table.add_row(
                f"{results.families[family]} by site",
                f"lowest {means.min():.2f} ({means.idxmin()}), "
                f"highest {means.max():.2f} ({means.idxmax()}), n sites {len(means)}",
            )
    if results.title_vs_leading is not None:
        tvl = results.title_vs_leading
        table.add_row(
            "Title vs leading",
            f"{tvl.leading_without_title} of {tvl.n_untitled} without a title are leading; "
            f"{tvl.title_without_leading} of {tvl.n_titled} with a title are not",
        )
    out.print(table)


def main() -> None:
    """Entry point: run the app, turning user errors into a message and an exit code."""
    try:
        app()
    except ColeadError as exc:
        err.print(Text.assemble(("Error:", "bold red"), " ", exc.message), highlight=False)
        if exc.hint:
            err.print(exc.hint, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was committed from the unfinished step.")
        sys.exit(130)
