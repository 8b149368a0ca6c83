"""``colead plans`` and ``colead actions``: personal development plans and the review's
action log.

Parsing and printing only; the work is done by :mod:`colead.development.plans` and
:mod:`colead.development.review_actions`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, ReviewOption, WaveOption, plain_console
from colead.cli.options import database_engine as _engine
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.config import load_settings
from colead.errors import InvalidData

if TYPE_CHECKING:
    pass

out = plain_console()

plans_app = typer.Typer(
    help="Personal development plans: generate, list, update, remind.", no_args_is_help=True
)
actions_app = typer.Typer(
    help="The review's action log: seed, list, add, update.", no_args_is_help=True
)

#: who the audit log names for changes made from the command line
ACTOR = "cli"

DueOption = Annotated[
    str | None, typer.Option("--due", help="Due date, YYYY-MM-DD.", metavar="YYYY-MM-DD")
]
OwnerOption = Annotated[str | None, typer.Option("--owner", help="Who owns the action.")]
TextOption = Annotated[str | None, typer.Option("--text", help="New wording of the action.")]
StatusOption = Annotated[
    str | None,
    typer.Option("--status", help="open, in_progress, done or dropped."),
]


def register(app: typer.Typer) -> None:
    """Add ``plans`` and ``actions`` to the ``colead`` command."""
    app.add_typer(plans_app, name="plans")
    app.add_typer(actions_app, name="actions")


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidData(f"{value!r} is not a date.", "Write dates as YYYY-MM-DD.") from None


def _table(title: str, rows: list[tuple[str, ...]], columns: tuple[str, ...]) -> None:
    table = Table(title=title)
    for column in columns:
        # only the free text wraps: ids, dates and statuses stay readable on narrow screens
        table.add_column(column, no_wrap=column not in ("Action", "Person"))
    for row in rows:
        table.add_row(*row)
    out.print(table)


# --- plans -------------------------------------------------------------------------------


@plans_app.command("generate")
def plans_generate(
    review: ReviewOption,
    wave: WaveOption = None,
    person: Annotated[
        list[str] | None, typer.Option("--person", help="Person id (repeat for several).")
    ] = None,
    due: DueOption = None,
    db: DbOption = None,
) -> None:
    """A draft development plan for each rated person (or each --person), with suggested
    actions for their lowest practices and blind spots. People who already have a plan for
    the wave keep it."""
    from colead.development.plans import generate_plans

    settings = load_settings(database_url=db)
    with _engine(db) as engine:
        made = generate_plans(
            engine,
            review,
            wave,
            person or None,
            actor=ACTOR,
            due=_date(due),
            minimum=settings.anonymity_minimum,
        )
    where = f"wave {made.wave!r} of review {made.review!r}"
    _say(f"Created {len(made.created)} plan(s) for {where}, actions due {made.due_date}.")
    for plan in made.created:
        _say(f"  {plan.person} {plan.name}: {', '.join(plan.practices)} ({plan.actions} actions)")
    if made.existing:
        _say(f"{len(made.existing)} person(s) already had a plan for this wave, left as it was:")
        _say("  " + ", ".join(made.existing))
    if made.without_focus:
        _say(f"No plan for {len(made.without_focus)} person(s) without shown observer scores:")
        _say("  " + ", ".join(made.without_focus))


@plans_app.command("list")
def plans_list(
    review: ReviewOption,
    person: Annotated[str | None, typer.Option("--person", help="Only this person.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open actions past their due date.")
    ] = False,
    db: DbOption = None,
) -> None:
    """The actions of the review's development plans."""
    from colead.development.plans import list_plan_actions

    today = datetime.now(UTC).date()
    with _session(db) as session:
        rows = list_plan_actions(
            session, review, person=person, overdue_on=today if overdue else None
        )
    if not rows:
        _say("No overdue plan actions." if overdue else "No plan actions yet.")
        return
    _table(
        f"Plan actions of {review}",
        [
            (
                str(r.id),
                f"{r.person} {r.person_name}",
                f"{r.plan_id} ({r.plan_status})",
                r.practice_id or "",
                r.description,
                r.owner or "",
                str(r.due_date or ""),
                r.status,
            )
            for r in rows
        ],
        ("Id", "Person", "Plan", "Practice", "Action", "Owner", "Due", "Status"),
    )


@plans_app.command("update")
def plans_update(
    action: Annotated[int | None, typer.Option("--action", help="Action id.")] = None,
    plan: Annotated[int | None, typer.Option("--plan", help="Plan id.")] = None,
    status: StatusOption = None,
    text: TextOption = None,
    owner: OwnerOption = None,
    due: DueOption = None,
    add: Annotated[
        str | None, typer.Option("--add", help="With --plan: add an action of your own.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Change an action (--action ID: status, text, owner, due date), a plan's status
    (--plan ID --status draft|agreed|done) or add an action to a plan (--plan ID --add T)."""
    from colead.development.plans import (
        ActionChange,
        add_custom_action,
        set_plan_status,
        update_action,
    )

    if (action is None) == (plan is None):
        raise InvalidData("Give either --action or --plan.", "See `colead plans list`.")
    with _session(db) as session:
        if action is not None:
            change = ActionChange(status, text, owner, _date(due))
            update_action(session, action, change, actor=ACTOR)
            _say(f"Updated action {action}.")
            return
        assert plan is not None
        if add is not None:
            new = add_custom_action(
                session, plan, add, actor=ACTOR, owner=owner, due_date=_date(due)
            )
            _say(f"Added action {new} to plan {plan}.")
        if status is not None:
            before = set_plan_status(session, plan, status, actor=ACTOR)
            _say(f"Plan {plan}: {before} -> {status}.")
        if add is None and status is None:
            raise InvalidData("Nothing to change.", "Give --status or --add with --plan.")


@plans_app.command("remind")
def plans_remind(
    review: Annotated[
        str | None, typer.Option("--review", help="Only this review (default: all).")
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="Folder with your own overdue_actions.*.j2."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would get a message; send nothing.")
    ] = False,
    db: DbOption = None,
) -> None:
    """E-mail the owners of overdue actions, one letter each (not again within a week).
    Exits 1 when the server refused some messages, 10 when it cannot be reached."""
    from colead.development.plan_reminders import send_overdue_reminders

    settings = load_settings(database_url=db)
    with _engine(db) as engine:
        run = send_overdue_reminders(
            engine,
            settings,
            datetime.now(UTC),
            dry_run,
            review=review,
            templates=templates,
            actor=ACTOR,
        )
    verb = "Would remind" if dry_run else "Reminded"
    done = [o for o in run.outcomes if o.status != "refused"]
    _say(f"{verb} {len(done)} person(s) of overdue actions.")
    for o in run.outcomes:
        note = f": {o.error}" if o.error else ""
        _say(f"  {o.person} {o.name} <{o.email}> {o.actions} action(s) {o.status}{note}")
    if run.recently_reminded:
        _say("Reminded within the last week, so skipped: " + ", ".join(run.recently_reminded))
    if run.no_email:
        _say("Skipped, no usable e-mail address: " + ", ".join(run.no_email))
    for action_id, owner in run.unassigned:
        _say(f"Action {action_id} is overdue but its owner {owner!r} is no person of the review.")
    if any(o.status == "refused" for o in run.outcomes):
        raise typer.Exit(1)


# --- the review's action log --------------------------------------------------------------


@actions_app.command("seed")
def actions_seed(
    review: ReviewOption, owner: OwnerOption = None, due: DueOption = None, db: DbOption = None
) -> None:
    """Add the four improvement actions of the paper's conclusions (each only once)."""
    from colead.development.review_actions import seed_review_actions

    with _session(db) as session:
        added = seed_review_actions(session, review, ACTOR, owner=owner, due_date=_date(due))
    _say(f"Added {len(added)} action(s)." if added else "The log already holds all four.")


@actions_app.command("list")
def actions_list(review: ReviewOption, db: DbOption = None) -> None:
    """The review's action log."""
    from colead.development.review_actions import list_review_actions

    with _session(db) as session:
        rows = list_review_actions(session, review, datetime.now(UTC).date())
    if not rows:
        _say("The action log is empty; start it with `colead actions seed`.")
        return
    _table(
        f"Action log of {review}",
        [
            (
                str(r.id),
                r.text,
                r.owner or "",
                str(r.due_date or ""),
                r.status + (" (overdue)" if r.overdue else ""),
            )
            for r in rows
        ],
        ("Id", "Action", "Owner", "Due", "Status"),
    )


@actions_app.command("add")
def actions_add(
    review: ReviewOption,
    text: Annotated[str, typer.Option("--text", help="What will be done.")],
    owner: OwnerOption = None,
    due: DueOption = None,
    db: DbOption = None,
) -> None:
    """Add an action to the review's log."""
    from colead.development.review_actions import add_review_action

    with _session(db) as session:
        new = add_review_action(
            session, review, text, actor=ACTOR, owner=owner, due_date=_date(due)
        )
    _say(f"Added action {new}.")


@actions_app.command("update")
def actions_update(
    review: ReviewOption,
    action: Annotated[int, typer.Option("--action", help="Action id.")],
    status: StatusOption = None,
    text: TextOption = None,
    owner: OwnerOption = None,
    due: DueOption = None,
    db: DbOption = None,
) -> None:
    """Change an action of the review's log."""
    from colead.development.plans import ActionChange
    from colead.development.review_actions import update_review_action

    with _session(db) as session:
        change = ActionChange(status, text, owner, _date(due))
        update_review_action(session, review, action, change, actor=ACTOR)
    _say(f"Updated action {action}.")
