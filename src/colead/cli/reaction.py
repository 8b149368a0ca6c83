"""``colead programme reaction``: the reaction questionnaire of a programme (Kirkpatrick
level 1): send the invitations, remind, see who answered, and the results.

Parsing and printing only; the work is done by :mod:`colead.development.reactions` and
:mod:`colead.development.reaction_mail`, which the admin console calls too. The mail server comes
from COLEAD_SMTP_* and the sender from COLEAD_MAIL_FROM, as for every letter.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, ReviewOption, out
from colead.cli.options import database_engine as _engine
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.config import load_settings

if TYPE_CHECKING:
    from colead.analysis.reaction import ItemReaction
    from colead.development.reaction_mail import ReactionMailRun

#: who the audit log names for changes made from the command line
ACTOR = "cli"

reaction_app = typer.Typer(
    help="The programme's reaction questionnaire: send, remind, status and summary.",
    no_args_is_help=True,
)

ProgrammeOption = Annotated[str, typer.Option("--name", help="Name of the programme.")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Address of the web app (default: COLEAD_PUBLIC_URL or http://127.0.0.1:8000).",
    ),
]
TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="Folder with your own reaction*.txt.j2 and/or reaction*.html.j2 letters.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show who would get a message; change nothing.")
]


class AudienceChoice(StrEnum):
    completed = "completed"
    all = "all"


def register(programme_app: typer.Typer) -> None:
    """Add ``reaction`` to the ``colead programme`` command."""
    programme_app.add_typer(reaction_app, name="reaction")


def _report(run: ReactionMailRun, what: str, where: str) -> None:
    if run.dry_run:
        _say(f"Dry run: {len(run.outcomes)} {what} for {where} would go to:")
        for outcome in run.outcomes:
            _say(f"  {outcome.person_id} {outcome.name} <{outcome.email}>")
        _say("Nothing was sent and no link was changed.")
    else:
        _say(f"Sent {len(run.sent)} {what} for {where}.")
        if run.refused:
            _say(f"{len(run.refused)} message(s) refused; those people keep their earlier links:")
            for outcome in run.refused:
                _say(f"  {outcome.person_id} <{outcome.email}>: {outcome.error}")
    if run.no_email:
        _say(f"Skipped {len(run.no_email)} person(s) without an e-mail address:")
        for person in run.no_email:
            _say(f"  {person}")
    for person, reason in run.bad_email:
        _say(f"Skipped {person}: {reason}")
    if run.answered:
        _say(f"{run.answered} person(s) have answered already and were left out.")
    if run.already_invited:
        _say(
            f"{run.already_invited} person(s) invited earlier were left out; "
            "remind them with `colead programme reaction remind`."
        )
    if run.refused:
        raise typer.Exit(1)


@reaction_app.command("send")
def reaction_send(
    review: ReviewOption,
    name: ProgrammeOption,
    audience: Annotated[
        AudienceChoice,
        typer.Option(
            "--to", help="Who is invited: those who completed the programme, or all enrolled."
        ),
    ] = AudienceChoice.completed,
    base_url: BaseUrlOption = None,
    templates: TemplatesOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """E-mail the questionnaire to enrolled people not yet invited who have not answered.

    Exits 1 when the server refused some messages, 10 when it cannot be reached.
    """
    from colead.development.reaction_mail import send_reaction_invitations
    from colead.mail.smtp import MailServer

    settings = load_settings(database_url=db, public_url=base_url)
    with _engine(db) as engine:
        run = send_reaction_invitations(
            engine,
            review,
            name,
            server=MailServer.from_settings(settings),
            base_url=settings.public_url,
            audience="all" if audience is AudienceChoice.all else "completed",
            templates=templates,
            dry_run=dry_run,
            actor=ACTOR,
        )
    _report(run, "invitation(s)", f"programme {run.programme!r}")


@reaction_app.command("remind")
def reaction_remind(
    review: ReviewOption,
    name: ProgrammeOption,
    base_url: BaseUrlOption = None,
    templates: TemplatesOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """E-mail a reminder with a new link to everyone invited who has not answered.

    The links sent before stop working. Exits 1 when the server refused some messages.
    """
    from colead.development.reaction_mail import send_reaction_reminders
    from colead.mail.smtp import MailServer

    settings = load_settings(database_url=db, public_url=base_url)
    with _engine(db) as engine:
        run = send_reaction_reminders(
            engine,
            review,
            name,
            server=MailServer.from_settings(settings),
            base_url=settings.public_url,
            templates=templates,
            dry_run=dry_run,
            actor=ACTOR,
        )
    _report(run, "reminder(s)", f"programme {run.programme!r}")


@reaction_app.command("status")
def reaction_status_command(
    review: ReviewOption, name: ProgrammeOption, db: DbOption = None
) -> None:
    """Who is enrolled, invited and has answered (never what anyone answered)."""
    from colead.development.reactions import reaction_status

    with _session(db) as session:
        status = reaction_status(session, review, name)
    _say(
        f"Programme {status.programme!r}: {status.enrolled} enrolled, {status.completed} "
        f"completed, {status.invited} invited, {status.answered} answered."
    )
    if not status.people:
        _say("Nobody is enrolled yet.")
        return
    table = Table(title=f"Reaction questionnaire of {status.programme}")
    for column in ("person", "name", "completed", "invited", "answered"):
        table.add_column(column)
    for p in status.people:
        table.add_row(
            p.person_id,
            p.name,
            "yes" if p.completed else "no",
            p.invited_at.strftime("%Y-%m-%d %H:%M") if p.invited_at else "no",
            "yes" if p.answered else "no",
        )
    out.print(table)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _row(label: str, row: ItemReaction, minimum: int) -> list[str]:
    if row.suppressed:
        return [label, str(row.n), f"shown from {minimum}", "", "", "", ""]
    ci = "–" if row.ci_low is None else f"{_number(row.ci_low)} to {_number(row.ci_high)}"
    favourable = "–" if row.favourable is None else f"{row.favourable:.0%}"
    counts = " ".join(str(c) for c in row.distribution) or "–"
    return [label, str(row.n), _number(row.mean), _number(row.sd), ci, favourable, counts]


@reaction_app.command("summary")
def reaction_summary_command(
    review: ReviewOption, name: ProgrammeOption, db: DbOption = None
) -> None:
    """The results per statement and overall, with comments; nothing is shown until the
    anonymity minimum (COLEAD_ANONYMITY_MINIMUM) of people have answered, and answers join
    the results in steps of at least that many."""
    from colead.development.reactions import reaction_summary

    minimum = load_settings(database_url=db).anonymity_minimum
    with _session(db) as session:
        report = reaction_summary(session, review, name, minimum)
    summary = report.summary
    _say(
        f"Programme {report.programme!r}: {summary.respondents + report.waiting} of "
        f"{report.enrolled} enrolled answered ({report.invited} invited)."
    )
    if report.waiting:
        _say(
            f"{report.waiting} answer(s) are not in the results yet: answers join them in "
            f"steps of at least {minimum}, so that no one's answers can be worked out from "
            "the change."
        )
    if summary.suppressed:
        _say(
            f"Results are shown from {minimum} answers, so that no one's answers can be worked out."
        )
        return
    table = Table(
        title=f"Reaction to {report.programme} (1 = strongly disagree … 5 = strongly agree)"
    )
    for column in ("statement", "n", "mean", "SD", "95% CI", "favourable (4–5)", "answers 1–5"):
        table.add_column(column)
    for item, row in zip(report.items, summary.items, strict=True):
        table.add_row(*_row(item.text, row, minimum))
    table.add_row(*_row("Overall (each person's mean)", summary.overall, minimum))
    out.print(table)
    if summary.comments:
        _say("Comments (alphabetical, unattributed):")
        for comment in summary.comments:
            _say(f"- {comment}")
