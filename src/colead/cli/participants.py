"""``colead participants`` and ``colead nominations``: participant links and the raters
participants propose.

Parsing and printing only; the work is done by :mod:`colead.fieldwork.participant_links` and
:mod:`colead.fieldwork.nominations`, which the web pages call too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, ReviewOption, WaveOption, plain_console
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.config import load_settings
from colead.errors import InvalidData

if TYPE_CHECKING:
    pass

out = plain_console()

participants_app = typer.Typer(
    help="Participants' own links: nominate raters, follow progress, read the report.",
    no_args_is_help=True,
)
nominations_app = typer.Typer(
    help="Raters proposed by participants: list, approve, decline.", no_args_is_help=True
)

#: who the audit log names for changes made from the command line
ACTOR = "cli"

BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Address of the web app (default: COLEAD_PUBLIC_URL or http://127.0.0.1:8000).",
    ),
]
IdsOption = Annotated[
    list[int] | None, typer.Option("--id", help="Nomination id (repeat for several).")
]
AllPendingOption = Annotated[
    bool, typer.Option("--all-pending", help="Every nomination waiting for a decision.")
]


def register(app: typer.Typer) -> None:
    """Add ``participants`` and ``nominations`` to the ``colead`` command."""
    app.add_typer(participants_app, name="participants")
    app.add_typer(nominations_app, name="nominations")


# --- participants ------------------------------------------------------------------------


@participants_app.command("export")
def participants_export(
    file: Annotated[Path, typer.Argument(help="CSV file for the links.")],
    review: ReviewOption,
    wave: WaveOption = None,
    base_url: BaseUrlOption = None,
    db: DbOption = None,
) -> None:
    """Issue a fresh participant link for everyone rated in a wave and write them to a CSV
    file (person_id, name, email, participant_url). Earlier participant links stop working."""
    from colead.fieldwork.participant_links import export_participant_links

    settings = load_settings(database_url=db, public_url=base_url)
    result = export_participant_links(
        settings.database_url,
        file,
        review=review,
        wave=wave,
        base_url=settings.public_url,
        actor=ACTOR,
    )
    _say(
        f"Wrote {result.rows} participant link(s) for wave {result.wave!r} of review "
        f"{result.review!r} to {result.path}"
    )
    if result.rows:
        _say(
            "Links issued earlier to these participants no longer work. The file holds "
            "personal links: send each participant their own, and delete the file when done."
        )
    else:
        _say("No links were issued: nobody is rated in this wave yet.")


@participants_app.command("send")
def participants_send(
    review: ReviewOption,
    wave: WaveOption = None,
    base_url: BaseUrlOption = None,
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates",
            help="Folder with your own participant.txt.j2 and/or participant.html.j2.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would get a message; change nothing.")
    ] = False,
    db: DbOption = None,
) -> None:
    """E-mail everyone rated in a wave a fresh link to their own page.

    The mail server comes from COLEAD_SMTP_*. Exits 1 when the server refused some
    messages (those participants keep their earlier links), 10 when it cannot be reached.
    """
    from colead.fieldwork.participant_links import mail_participant_links
    from colead.mail.smtp import MailServer

    settings = load_settings(database_url=db, public_url=base_url)
    server = MailServer.from_settings(settings)
    run = mail_participant_links(
        settings.database_url,
        review=review,
        server=server,
        base_url=settings.public_url,
        wave=wave,
        templates=templates,
        dry_run=dry_run,
        actor=ACTOR,
    )
    where = f"wave {run.wave!r} of review {run.review!r}"
    if run.dry_run:
        _say(f"Dry run: {len(run.outcomes)} message(s) for {where} would go to:")
        for outcome in run.outcomes:
            _say(f"  {outcome.name} <{outcome.email}>")
        _say("Nothing was sent and no link was changed.")
    else:
        _say(f"Sent {len(run.sent)} participant link(s) for {where} through {server.where}.")
        if run.refused:
            _say(f"{len(run.refused)} message(s) refused; they keep their earlier links:")
            for outcome in run.refused:
                _say(f"  {outcome.name} <{outcome.email}>: {outcome.error}")
    if run.no_email:
        _say(f"Skipped {len(run.no_email)} participant(s) without an e-mail address:")
        for name in run.no_email:
            _say(f"  {name}")
        _say("Hand them their links from `colead participants export`.")
    for name, reason in run.bad_email:
        _say(f"Skipped {name}: {reason}")
    if run.refused:
        raise typer.Exit(1)


# --- nominations -------------------------------------------------------------------------


def _chosen(ids: list[int] | None, all_pending: bool) -> list[int] | None:
    if bool(ids) == all_pending:
        raise InvalidData(
            "Say which nominations: give --id (one or more) or --all-pending, not both.",
            "See them with `colead nominations list --review R`.",
        )
    return None if all_pending else list(ids or [])


@nominations_app.command("list")
def nominations_list(
    review: ReviewOption,
    wave: WaveOption = None,
    db: DbOption = None,
) -> None:
    """The nominations of a wave, waiting ones first."""
    from colead.fieldwork.nominations import review_nominations

    with _session(db) as session:
        _, wave_row, found = review_nominations(session, review, wave)
        wave_name = wave_row.name
    if not found:
        _say(f"No nominations in wave {wave_name!r}.")
        return
    table = Table(title=f"Nominations of wave {wave_name}")
    for column in ("id", "ratee", "rater", "e-mail", "relation", "new", "status", "note"):
        table.add_column(column)
    for n in found:
        table.add_row(
            str(n.id),
            f"{n.ratee_name} ({n.ratee_external_id})",
            n.rater_name,
            n.rater_email or "",
            n.relation,
            "yes" if n.is_new else "no",
            n.status,
            n.note or "",
        )
    out.print(table)


@nominations_app.command("approve")
def nominations_approve(
    review: ReviewOption,
    wave: WaveOption = None,
    ids: IdsOption = None,
    all_pending: AllPendingOption = False,
    db: DbOption = None,
) -> None:
    """Approve nominations: each becomes a form in the wave (new people are added to the
    review, placed with the ratee). Send the raters their links with `colead invitations`."""
    from colead.fieldwork.nominations import approve_nominations

    chosen = _chosen(ids, all_pending)
    with _session(db) as session:
        approvals = approve_nominations(session, review, wave, chosen, actor=ACTOR)
    added = sum(a.created_person for a in approvals)
    _say(f"Approved {len(approvals)} nomination(s); {added} new person(s) added to the review.")
    if approvals:
        _say("Send the new raters their links with `colead invitations send --only-pending`.")


@nominations_app.command("decline")
def nominations_decline(
    review: ReviewOption,
    wave: WaveOption = None,
    ids: IdsOption = None,
    all_pending: AllPendingOption = False,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with each).")] = None,
    db: DbOption = None,
) -> None:
    """Decline nominations, with an optional note."""
    from colead.fieldwork.nominations import decline_nominations

    chosen = _chosen(ids, all_pending)
    with _session(db) as session:
        declined = decline_nominations(session, review, wave, chosen, actor=ACTOR, note=note)
    _say(f"Declined {len(declined)} nomination(s).")
