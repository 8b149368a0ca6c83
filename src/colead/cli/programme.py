"""``colead programme``: development programmes, enrolment, attendance and completion.

Parsing and printing only; the work is done by :mod:`colead.development.programmes`, which the admin
console calls too. Files of enrolments go through ``colead import enrolments``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, ReviewOption, plain_console
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.cli.reaction import register as register_reaction_commands
from colead.errors import InvalidData

if TYPE_CHECKING:
    from colead.development.programmes import ProgrammeSummary

out = plain_console()

programme_app = typer.Typer(
    help="Development programmes: create, enrol people, record attendance and completion.",
    no_args_is_help=True,
)
register_reaction_commands(programme_app)

#: who the audit log names for changes made from the command line
ACTOR = "cli"

NameOption = Annotated[str, typer.Option("--name", help="Name of the programme.")]
PeopleOption = Annotated[
    list[str], typer.Option("--person", help="Person id (repeat for several).")
]


def register(app: typer.Typer) -> None:
    """Add ``programme`` to the ``colead`` command."""
    app.add_typer(programme_app, name="programme")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidData(f"{option} {value!r} is not a date.", "Write it as YYYY-MM-DD.") from None


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _attendance(summary: ProgrammeSummary) -> str:
    rate = summary.attendance_rate
    if rate is None:
        return "not recorded"
    return (
        f"{summary.sessions_attended} of {summary.sessions_total} sessions ({rate:.0%}), "
        f"recorded for {summary.with_attendance} of {summary.enrolled}"
    )


@programme_app.command("create")
def programme_create(
    review: ReviewOption,
    name: NameOption,
    provider: Annotated[str | None, typer.Option("--provider", help="Who delivers it.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.")] = None,
    cost_per_participant: Annotated[
        float | None, typer.Option("--cost-per-participant", help="Cost of one participant.")
    ] = None,
    other_costs: Annotated[
        float | None,
        typer.Option("--other-costs", help="Costs not tied to a participant (design, venue…)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a development programme in a review."""
    from colead.development.programmes import create_programme

    start_date, end_date = _date(start, "--start"), _date(end, "--end")
    with _session(db) as session:
        created = create_programme(
            session,
            review,
            name,
            provider=provider,
            start_date=start_date,
            end_date=end_date,
            cost_per_participant=cost_per_participant,
            other_costs=other_costs,
            actor=ACTOR,
        )
    _say(f"Created programme {created.name!r} in review {review!r}.")


@programme_app.command("list")
def programme_list(review: ReviewOption, db: DbOption = None) -> None:
    """The programmes of a review with enrolled, completed and total cost."""
    from colead.development.programmes import list_programmes

    with _session(db) as session:
        found = list_programmes(session, review)
    if not found:
        _say(f"No programmes in review {review!r}.")
        return
    # One line per programme, so names and costs never wrap inside a narrow table.
    for p in found:
        dates = (
            f"{p.start_date or '?'} to {p.end_date or '?'}" if p.start_date or p.end_date else ""
        )
        where = ", ".join(part for part in (p.provider, dates) if part)
        cost = _money(p.total_cost) or "not recorded"
        _say(
            f"{p.name}"
            + (f" ({where})" if where else "")
            + f": {p.enrolled} enrolled, {p.completed} completed, total cost {cost}"
        )


@programme_app.command("show")
def programme_show(review: ReviewOption, name: NameOption, db: DbOption = None) -> None:
    """One programme: details, enrolment, completion, attendance and cost."""
    from colead.development.programmes import show_programme

    with _session(db) as session:
        detail = show_programme(session, review, name)
    s = detail.summary
    facts = Table(title=s.name, show_header=False, title_justify="left")
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Provider", s.provider or "not recorded")
    facts.add_row(
        "Dates",
        f"{s.start_date or '?'} to {s.end_date or '?'}" if s.start_date or s.end_date else "",
    )
    rate = s.completion_rate
    facts.add_row("Enrolled", str(s.enrolled))
    facts.add_row("Completed", f"{s.completed}" + (f" ({rate:.0%})" if rate is not None else ""))
    facts.add_row("Attendance", _attendance(s))
    facts.add_row("Cost per participant", _money(s.cost_per_participant) or "not recorded")
    facts.add_row("Other costs", _money(s.other_costs) or "not recorded")
    facts.add_row("Total cost", _money(s.total_cost) or "not recorded")
    out.print(facts)
    if detail.enrolments:
        people = Table("person_id", "name", "completed", "attended")
        for e in detail.enrolments:
            attended = (
                f"{e.sessions_attended} of {e.sessions_total}"
                if e.sessions_total is not None
                else ""
            )
            people.add_row(e.person_id, e.name, "yes" if e.completed else "no", attended)
        out.print(people)


@programme_app.command("enrol")
def programme_enrol(
    review: ReviewOption, name: NameOption, person: PeopleOption, db: DbOption = None
) -> None:
    """Enrol people in a programme (people already enrolled are left as they are)."""
    from colead.development.programmes import enrol

    with _session(db) as session:
        result = enrol(session, review, name, person, actor=ACTOR)
    _say(f"Enrolled {len(result.added)} in {result.programme!r}.")
    if result.already:
        _say(f"Already enrolled: {', '.join(result.already)}.")


@programme_app.command("attendance")
def programme_attendance(
    review: ReviewOption,
    name: NameOption,
    person: Annotated[str, typer.Option("--person", help="Person id.")],
    attended: Annotated[int, typer.Option("--attended", help="Sessions attended.")],
    of: Annotated[
        int | None, typer.Option("--of", help="Sessions held (kept from before if omitted).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record how many of a programme's sessions an enrolled person attended."""
    from colead.development.programmes import record_attendance

    with _session(db) as session:
        row = record_attendance(session, review, name, person, attended, of, actor=ACTOR)
    _say(f"{row.person_id} attended {row.sessions_attended} of {row.sessions_total} sessions.")


@programme_app.command("complete")
def programme_complete(
    review: ReviewOption,
    name: NameOption,
    person: PeopleOption,
    undo: Annotated[
        bool, typer.Option("--undo", help="Mark them as not (yet) having completed.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Mark enrolled people as having completed the programme."""
    from colead.development.programmes import set_completed

    with _session(db) as session:
        changed = set_completed(session, review, name, person, not undo, actor=ACTOR)
    state = "not completed" if undo else "completed"
    _say(f"Marked {changed} of {len(set(person))} as {state} in {name!r}.")
