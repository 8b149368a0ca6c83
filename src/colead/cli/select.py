"""``colead select``: who to develop, ranked by the evidence of one wave.

Parsing and printing only; the work is done by :mod:`colead.development.selection`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, NormsOption, ReviewOption, WaveOption, plain_console, warn
from colead.config import load_settings
from colead.errors import InvalidData

out = plain_console()


def register(app: typer.Typer) -> None:
    """Add ``select`` to the ``colead`` command."""
    app.command("select")(select_command)


def _share(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:.0%}"


def select_command(
    review: ReviewOption,
    wave: WaveOption = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="How many of the ranked people to list.")
    ] = 20,
    cohort_file: Annotated[
        Path | None,
        typer.Option("--cohort-file", help="CSV or XLSX file of a planned cohort (person_id)."),
    ] = None,
    programme: Annotated[
        str | None,
        typer.Option("--programme", help="Check the cohort enrolled in this programme."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    norms: NormsOption = None,
    db: DbOption = None,
) -> None:
    """Rank people and sites by development need, and check a cohort's level mix."""
    from colead.development.selection import run_selection, selection_record
    from colead.jobs.norms import load_norms

    if cohort_file is not None and programme is not None:
        raise InvalidData("Give --cohort-file or --programme, not both.")
    settings = load_settings(database_url=db)
    norm_set = load_norms(settings.database_url, norms) if norms else None
    report = run_selection(
        settings.database_url,
        review,
        wave,
        settings.anonymity_minimum,
        norms=norm_set,
        cohort_file=cohort_file,
        programme=programme,
    )
    record = selection_record(report, top)
    if as_json:
        print(json.dumps(record, allow_nan=False))
        return
    _print(record)


def _print(record: dict[str, object]) -> None:
    people = record["people"]
    assert isinstance(people, list)
    out.print(
        f"Development need in wave {record['wave']!r} of review {record['review']!r}: "
        f"{record['n_in_need']} of {record['n_ranked']} ranked people in need "
        f"(leadership below {record['leading_threshold']} or below par on most practices; "
        f"par: {record['par_source']}).",
        markup=False,
        highlight=False,
    )
    if record["n_not_ranked"]:
        out.print(
            f"{record['n_not_ranked']} rated people are not ranked: too few observers to show.",
            markup=False,
        )
    table = Table(title=f"Top {len(people)} by need", title_justify="left")
    for column in ("#", "id", "name", "level", "site", "lowest practices", "below par", "flags"):
        table.add_column(column, no_wrap=column in {"#", "id", "level", "below par"})
    for p in people:
        lowest = "\n".join(f"{x['practice']} {x['score']:.2f}" for x in p["lowest"])
        flags = [
            f
            for f, on in (
                ("in need", p["in_need"]),
                ("title without leading", p["title_without_leading"]),
            )
            if on
        ]
        table.add_row(
            str(p["rank"]),
            p["person_id"],
            p["name"] or "",
            str(p["level"] or ""),
            p["site"] or "",
            lowest,
            f"{len(p['below_par'])}/{p['n_practices']}",
            "\n".join(flags),
        )
    out.print(table)
    sites = Table(title="Sites by share of people in need", title_justify="left")
    for column in ("#", "site", "people", "in need", "share"):
        sites.add_column(column)
    for s in record["sites"]:  # type: ignore[attr-defined]
        sites.add_row(
            str(s["rank"] or "–"),
            s["site"],
            str(s["n_people"]),
            "–" if s["n_in_need"] is None else str(s["n_in_need"]),
            _share(s["share_in_need"]) if s["shown"] else "fewer than the minimum",
        )
    out.print(sites)
    cohort = record["cohort"]
    if not isinstance(cohort, dict):
        return
    mix = Table(
        title=f"Cohort ({cohort['source']}): {cohort['size']} people, level mix",
        title_justify="left",
    )
    for column in ("level", "cohort", "share", "in need", "share of need"):
        mix.add_column(column)
    for m in cohort["levels"]:
        mix.add_row(
            f"{m['level']} {m['label']}",
            str(m["cohort"]),
            _share(m["cohort_share"]),
            str(m["need"]),
            _share(m["need_share"]),
        )
    out.print(mix)
    for key, label in (
        ("unknown", "Not people of this review"),
        ("not_ranked", "Not ranked in this wave"),
        ("not_in_need", "Ranked but not in need"),
    ):
        if cohort[key]:
            out.print(f"{label}: {', '.join(cohort[key])}", markup=False)
    for warning in cohort["warnings"]:
        warn(out, warning)
