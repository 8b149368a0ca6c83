"""``colead invitations``: personal survey links for raters, in a file or by e-mail.

Parsing and printing only; the work is done by :mod:`colead.fieldwork.invitations` and
:mod:`colead.fieldwork.wave_mail`, which the admin console calls too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colead.cli.options import (
    DbOption,
    ReviewOption,
    WaveOption,
    plain_console,
)
from colead.cli.options import say as _say
from colead.config import load_settings

if TYPE_CHECKING:
    from colead.mail.smtp import Kind

out = plain_console()
err = plain_console(stderr=True)

invitations_app = typer.Typer(help="Personal survey links for raters.", no_args_is_help=True)

#: who the audit log names for changes made from the command line
ACTOR = "cli"


@invitations_app.command("export")
def invitations_export(
    file: Annotated[Path, typer.Argument(help="CSV file for the links.")],
    review: ReviewOption,
    wave: WaveOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Address of the survey (default: COLEAD_PUBLIC_URL or http://127.0.0.1:8000).",
        ),
    ] = None,
    only_pending: Annotated[
        bool, typer.Option("--only-pending", help="Leave out forms already submitted.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Issue a fresh survey link per form of a wave and write them to a CSV file.

    Links issued earlier for the same forms stop working.
    """
    from colead.fieldwork.invitations import export_invitations

    settings = load_settings(database_url=db, public_url=base_url)
    result = export_invitations(
        settings.database_url,
        file,
        review=review,
        wave=wave,
        base_url=settings.public_url,
        only_pending=only_pending,
        actor=ACTOR,
    )
    _say(
        f"Wrote {result.rows} invitation link(s) for wave {result.wave!r} of review "
        f"{result.review!r} to {result.path}"
    )
    for note in result.notes:
        _say(note)


BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Address of the survey (default: COLEAD_PUBLIC_URL or http://127.0.0.1:8000).",
    ),
]
TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="Folder with your own invitation.txt.j2, invitation.html.j2, reminder.txt.j2 "
        "and/or reminder.html.j2 (the built-in ones are used for files it lacks).",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show who would get a message; send and change nothing.")
]


def _mail(
    kind: Kind,
    *,
    review: str,
    wave: str | None,
    only_pending: bool,
    base_url: str | None,
    templates: Path | None,
    dry_run: bool,
    db: str | None,
) -> None:
    from colead.fieldwork.wave_mail import mail_invitations
    from colead.mail.smtp import MailServer

    settings = load_settings(database_url=db, public_url=base_url)
    server = MailServer.from_settings(settings)
    run = mail_invitations(
        settings.database_url,
        review=review,
        server=server,
        base_url=settings.public_url,
        kind=kind,
        wave=wave,
        only_pending=only_pending,
        templates=templates,
        dry_run=dry_run,
        actor=ACTOR,
    )
    what = "invitation" if kind == "invitation" else "reminder"
    where = f"wave {run.wave!r} of review {run.review!r}"
    if run.dry_run:
        _say(f"Dry run: {len(run.outcomes)} {what}(s) for {where} would go through {server.where}")
        for outcome in run.outcomes:
            _say(f"  {outcome.rater_name} <{outcome.email}>: {outcome.forms} form(s)")
        _say("Nothing was sent and no link was changed.")
    else:
        forms = sum(o.forms for o in run.sent)
        _say(
            f"Sent {len(run.sent)} {what}(s) with {forms} survey link(s) for {where} "
            f"through {server.where}."
        )
        if run.sent:
            _say("Links sent earlier for these forms no longer work.")
        if run.refused:
            _say(f"{len(run.refused)} message(s) refused; those raters keep their earlier links:")
            for outcome in run.refused:
                _say(f"  {outcome.rater_name} <{outcome.email}>: {outcome.error}")
    if run.no_email:
        _say(f"Skipped {len(run.no_email)} rater(s) without an e-mail address:")
        for name in run.no_email:
            _say(f"  {name}")
        _say("Add their e-mail with `colead import people`, or hand them links from "
             "`colead invitations export`.")  # fmt: skip
    if run.bad_email:
        _say(f"Skipped {len(run.bad_email)} rater(s) whose e-mail address is not usable:")
        for name, reason in run.bad_email:
            _say(f"  {name}: {reason}")
    if run.bounced:
        _say(f"Skipped {len(run.bounced)} rater(s) whose e-mail address bounced:")
        for name, address in run.bounced:
            _say(f"  {name} <{address}>")
        _say("Correct the e-mail in the people file and import it again (`colead import people`).")
    if run.submitted:
        _say(f"{run.submitted} submitted form(s) left out; their links are unchanged.")
    if not run.outcomes and not run.no_email and not run.bad_email and not run.bounced:
        _say(
            "No message: every form of the wave is submitted."
            if run.submitted
            else "No message: the wave has no assignments yet; import nominations first."
        )
    if run.refused:
        raise typer.Exit(1)


@invitations_app.command("send")
def invitations_send(
    review: ReviewOption,
    wave: WaveOption = None,
    only_pending: Annotated[
        bool, typer.Option("--only-pending", help="Leave out forms already submitted.")
    ] = False,
    base_url: BaseUrlOption = None,
    templates: TemplatesOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """E-mail every rater of an open wave their personal survey links.

    Each rater gets one message with a fresh link per form; links issued earlier for those
    forms stop working. The mail server comes from COLEAD_SMTP_* and the sender from
    COLEAD_MAIL_FROM. Exits 1 when the server refused some messages, 10 when it cannot be
    reached.
    """
    _mail(
        "invitation",
        review=review,
        wave=wave,
        only_pending=only_pending,
        base_url=base_url,
        templates=templates,
        dry_run=dry_run,
        db=db,
    )


@invitations_app.command("remind")
def invitations_remind(
    review: ReviewOption,
    wave: WaveOption = None,
    base_url: BaseUrlOption = None,
    templates: TemplatesOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """E-mail a reminder, with new links, to raters whose forms are not submitted yet.

    Saved answers are kept; the links sent earlier stop working.
    """
    _mail(
        "reminder",
        review=review,
        wave=wave,
        only_pending=True,
        base_url=base_url,
        templates=templates,
        dry_run=dry_run,
        db=db,
    )
