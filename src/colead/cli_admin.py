"""``colead wave``, ``colead admin`` and ``colead invitations``: running a review.

Parsing and printing only; the work is done by :mod:`colead.lifecycle`,
:mod:`colead.accounts` and :mod:`colead.invitations`, which the admin console calls too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from colead.cli_options import DbOption, FrameworkOption, ReviewOption, WaveOption
from colead.cli_options import database_session as _session
from colead.cli_options import say as _say
from colead.config import load_settings
from colead.errors import InvalidData

if TYPE_CHECKING:
    from colead.lifecycle import WaveInfo
    from colead.mail import Kind

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

wave_app = typer.Typer(
    help="Waves of a review: create, open, close, list (draft -> open -> closed).",
    no_args_is_help=True,
)
admin_app = typer.Typer(help="Admin accounts of the web console and API.", no_args_is_help=True)
invitations_app = typer.Typer(help="Personal survey links for raters.", no_args_is_help=True)

#: who the audit log names for changes made from the command line
ACTOR = "cli"

WaveName = Annotated[str, typer.Option("--wave", help="Wave name.")]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _forms(info: WaveInfo) -> str:
    return f"{info.completed} of {info.assignments} forms submitted"


# --- waves ---------------------------------------------------------------------------


@wave_app.command("create")
def wave_create(
    review: ReviewOption,
    wave: WaveName,
    framework: FrameworkOption = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="KPI period of the wave: 2024, 2024-Q3 or 2024-07."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a draft wave (and the review, when it is new)."""
    from colead.framework import load_framework
    from colead.lifecycle import create_draft_wave

    settings = load_settings(database_url=db, framework_path=str(framework) if framework else None)
    loaded = load_framework(settings.framework_path)
    with _session(settings.database_url) as session:
        created = create_draft_wave(session, review, wave, loaded, period=period, actor=ACTOR)
    info = created.wave
    if created.review_created:
        _say(f"Created review {info.review!r}.")
    period_note = f", period {info.period}" if info.period else ""
    _say(
        f"Created wave {info.name!r} of review {info.review!r} as a draft "
        f"(framework {created.framework}{period_note})."
    )
    _say(
        f"Next: import nominations with `colead import nominations FILE --review "
        f"{info.review!r} --wave {info.name!r}`, then `colead wave open`."
    )


@wave_app.command("open")
def wave_open(
    review: ReviewOption,
    wave: WaveName,
    reopen: Annotated[
        bool,
        typer.Option("--reopen", help="Open a closed wave again (recorded in the audit log)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Open a draft wave so raters can answer; --reopen opens a closed one again."""
    from colead.lifecycle import open_wave

    with _session(db) as session:
        change = open_wave(session, review, wave, reopen=reopen, actor=ACTOR)
    info = change.wave
    verb = "Reopened" if change.action == "reopen" else "Opened"
    _say(f"{verb} wave {info.name!r} of review {info.review!r}: raters can answer.")
    _say(f"{_forms(info)}.")


@wave_app.command("close")
def wave_close(review: ReviewOption, wave: WaveName, db: DbOption = None) -> None:
    """Close an open wave: its survey links stop accepting answers."""
    from colead.lifecycle import close_wave

    with _session(db) as session:
        info = close_wave(session, review, wave, actor=ACTOR).wave
    _say(f"Closed wave {info.name!r} of review {info.review!r}: {_forms(info)}.")


@wave_app.command("list")
def wave_list(review: ReviewOption, db: DbOption = None) -> None:
    """List the waves of a review with their status and forms."""
    from colead.lifecycle import review_waves

    with _session(db) as session:
        waves = review_waves(session, review)
    if not waves:
        _say(f"Review {review!r} has no waves yet; create one with `colead wave create`.")
        return
    table = Table(
        "wave", "status", "period", "forms", "completed", "opened", "closed",
        title=f"Waves of {review} (dates in UTC)", title_justify="left", highlight=False,
    )  # fmt: skip
    for info in waves:
        table.add_row(
            info.name,
            info.status.value,
            info.period or "",
            str(info.assignments),
            str(info.completed),
            _when(info.opened_at)[:10],
            _when(info.closed_at)[:10],
        )
    out.print(table)


# --- admins --------------------------------------------------------------------------


def _read_password(password_file: Path | None) -> str:
    if password_file is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        text = password_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidData(
            f"Cannot read the password file {password_file}: {reason}",
            "Give a UTF-8 text file whose first line is the password.",
        ) from None
    lines = text.splitlines()
    return lines[0] if lines else ""


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option("--email", help="The admin's e-mail (the login name).")],
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from the first line of this file."),
    ] = None,
    reset_password: Annotated[
        bool, typer.Option("--reset-password", help="Give an existing admin a new password.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create an admin account; the password is asked twice unless --password-file is given."""
    from colead.accounts import check_new_admin, check_password_rules, create_admin

    with _session(db) as session:  # a bad address or database fails before the prompt
        address = check_new_admin(session, email, reset_password=reset_password)
    password = _read_password(password_file)
    check_password_rules(password)
    with _session(db) as session:
        account, created = create_admin(
            session, address, password, reset_password=reset_password, actor=ACTOR
        )
    if created:
        _say(f"Created admin {account.email}.")
    else:
        _say(f"Set a new password for admin {account.email}.")


@admin_app.command("list")
def admin_list(db: DbOption = None) -> None:
    """List the admin accounts (never their passwords)."""
    from colead.accounts import list_admins

    with _session(db) as session:
        admins = list_admins(session)
    if not admins:
        _say("No admin accounts yet; create one with `colead admin create --email E`.")
        return
    now = datetime.now(UTC)
    table = Table("email", "created (UTC)", "last login (UTC)", "status", highlight=False)
    for admin in admins:
        status = f"locked until {_when(admin.locked_until)} UTC" if admin.locked(now) else "active"
        if admin.failed_logins and not admin.locked(now):
            status += f" ({admin.failed_logins} failed login(s))"
        table.add_row(admin.email, _when(admin.created_at), _when(admin.last_login_at), status)
    out.print(table)


token_app = typer.Typer(help="API tokens of admins for the JSON API.", no_args_is_help=True)
admin_app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option("--email", help="The e-mail of the admin it acts for.")],
    name: Annotated[
        str, typer.Option("--name", help="What the token is for, e.g. 'HR dashboard'.")
    ],
    db: DbOption = None,
) -> None:
    """Issue an API token for an admin; it is printed once and never stored."""
    from colead.api_tokens import issue_token

    with _session(db) as session:
        issued = issue_token(session, email, name, actor=ACTOR)
    info = issued.info
    _say(f"Created API token {info.id} ({info.name!r}) for admin {info.admin_email}.")
    _say("Keep it secret; it is shown only now (revoke it with `colead admin token revoke`):")
    _say(issued.token)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Option("--id", help="The id shown when it was created.")],
    db: DbOption = None,
) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    from colead.api_tokens import revoke_token

    with _session(db) as session:
        info, revoked = revoke_token(session, token_id, actor=ACTOR)
    state = "Revoked" if revoked else "Already revoked:"
    _say(f"{state} API token {info.id} ({info.name!r}) of admin {info.admin_email}.")


sessions_app = typer.Typer(help="Logged-in sessions of admins.", no_args_is_help=True)
admin_app.add_typer(sessions_app, name="sessions")


@sessions_app.command("revoke")
def sessions_revoke(
    email: Annotated[str, typer.Option("--email", help="The e-mail of the admin.")],
    db: DbOption = None,
) -> None:
    """Log an admin out everywhere: every session of theirs ends now."""
    from colead.accounts import end_all_sessions

    with _session(db) as session:
        ended = end_all_sessions(session, email, actor=ACTOR)
    _say(f"Ended {ended} session(s) of admin {email.strip().lower()}.")


# --- invitations ---------------------------------------------------------------------


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
    from colead.invitations import export_invitations

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
    from colead.mail import MailServer
    from colead.wave_mail import mail_invitations

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
