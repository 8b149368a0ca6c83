"""``colead roi``: the money value of KPI units, and the programme's return on investment.

Parsing and printing only: values are kept by :mod:`colead.development.kpi_values` (which the admin
console calls too) and the ROI comes from the same analysis as the evaluation report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from colead.cli.options import DbOption, ReviewOption, WaveOption, database_engine, say
from colead.cli.options import database_session as _session
from colead.config import load_settings
from colead.errors import NotFound

if TYPE_CHECKING:
    from colead.analysis.programme import ProgrammeEvaluation

roi_app = typer.Typer(
    help="Return on investment of the development programme (Phillips level 5).",
    no_args_is_help=True,
)
value_app = typer.Typer(
    help="What one unit of each KPI is worth in money: set, list, remove.",
    no_args_is_help=True,
)
roi_app.add_typer(value_app, name="value")

#: who the audit log names for changes made from the command line
ACTOR = "cli"

KpiOption = Annotated[str, typer.Option("--kpi", help="Name of the KPI, as in the KPI file.")]


def _money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return "–"
    return f"{currency + ' ' if currency else ''}{value:,.2f}"


@value_app.command("set")
def value_set(
    review: ReviewOption,
    kpi: KpiOption,
    value: Annotated[float, typer.Option("--value", help="Money value of one unit of the KPI.")],
    currency: Annotated[
        str, typer.Option("--currency", help="Three-letter currency code.")
    ] = "GBP",
    periods: Annotated[
        float,
        typer.Option(
            "--periods",
            help="KPI periods of benefit to count (4 quarters: the first year).",
        ),
    ] = 4.0,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Where the value comes from (finance, contract …)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """State what one unit of a KPI is worth (replacing an earlier value)."""
    from colead.development.kpi_values import set_kpi_value

    with _session(db) as session:
        stored = set_kpi_value(
            session, review, kpi, value, currency=currency, periods=periods, source=source,
            actor=ACTOR,
        )  # fmt: skip
    say(
        f"{stored.kpi}: one unit is worth {_money(stored.value_per_unit, stored.currency)}, "
        f"counted over {stored.periods:g} periods."
    )


@value_app.command("list")
def value_list(review: ReviewOption, db: DbOption = None) -> None:
    """The stated KPI values of a review."""
    from colead.development.kpi_values import list_kpi_values

    with _session(db) as session:
        values = list_kpi_values(session, review)
    if not values:
        say(f"No KPI of review {review!r} has a money value yet.")
        say(
            f'Set one with: colead roi value set --review "{review}" --kpi "KPI" --value V '
            "--currency GBP"
        )
        return
    for v in values:
        source = f" (source: {v.source})" if v.source else ""
        say(
            f"{v.kpi}: {_money(v.value_per_unit, v.currency)} per unit, "
            f"{v.periods:g} periods{source}"
        )


@value_app.command("remove")
def value_remove(review: ReviewOption, kpi: KpiOption, db: DbOption = None) -> None:
    """Remove the stated value of a KPI."""
    from colead.development.kpi_values import remove_kpi_value

    with _session(db) as session:
        remove_kpi_value(session, review, kpi, actor=ACTOR)
    say(f"Removed the value of {kpi.strip()}.")


def _print_roi(review: str, ev: ProgrammeEvaluation) -> None:
    roi = ev.roi
    if roi is None:
        for note in ev.roi_notes:
            say(note)
        say(
            "To calculate a return, state what one unit of a KPI is worth: "
            f'colead roi value set --review "{review}" --kpi "KPI" --value V '
            "--currency GBP --periods 4"
        )
        return
    currency = ev.roi_currency
    # One line per KPI: names come from the data and must not wrap or be read as markup.
    say("Benefits per KPI (improvement per site × sites × periods × value per unit):")
    for k in roi.kpis:
        say(
            f"  {k.kpi}: {k.improvement_per_site:+.2f} × {k.sites} sites × {k.periods:g} "
            f"periods × {_money(k.value_per_unit, currency)} = {_money(k.benefit, currency)}"
        )
    say(f"Isolation method: {roi.isolation_method}.")
    say(f"Benefits: {_money(roi.benefits, currency)}")
    if ev.costs is not None:
        say(
            f"Fully loaded costs: {_money(roi.costs, currency)} "
            f"({_money(ev.costs.cost_per_participant, currency)} × {ev.costs.participants} "
            f"enrolled + {_money(ev.costs.other_costs, currency)} other costs)"
        )
    say(f"Net benefit: {_money(roi.net_benefit, currency)}")
    if roi.bcr is not None and roi.roi_percent is not None:
        interval = (
            f"from {roi.roi_low:.0f}% to {roi.roi_high:.0f}% across the KPIs' 95% confidence "
            "intervals"
            if roi.roi_low is not None and roi.roi_high is not None
            else "no interval"
        )
        if roi.determined:
            say(f"Benefit–cost ratio: {roi.bcr:.2f} : 1")
            say(f"ROI: {roi.roi_percent:.0f}% ({interval})")
        else:
            say(f"ROI: cannot be determined, because {roi.undetermined_reason}.")
            say(f"The figures above count every valued KPI; the ROI could lie {interval}.")
    for note in (*roi.notes, *ev.roi_notes):
        say(note)
    say(
        "The range reflects the KPIs' uncertainty only; intangible benefits are not monetised. "
        "See the evaluation report for what can and cannot be concluded."
    )


@roi_app.command("show")
def roi_show(review: ReviewOption, wave: WaveOption = None, db: DbOption = None) -> None:
    """The programme's return on investment at a follow-up wave (default: the latest)."""
    from colead.jobs.analyse import analyse_review

    minimum = load_settings(database_url=db).anonymity_minimum
    with database_engine(db) as engine:
        results = analyse_review(engine, review, wave, minimum)
    if results.evaluation is None:
        raise NotFound(
            f"Wave {results.wave!r} of review {review!r} has no programme to evaluate.",
            "A return needs an earlier wave with the same framework and people enrolled in a "
            "programme; pick the follow-up wave with --wave.",
        )
    ev = results.evaluation
    say(f"Return on investment — {review}, {ev.baseline_wave} to {ev.follow_up_wave}")
    _print_roi(review, ev)
