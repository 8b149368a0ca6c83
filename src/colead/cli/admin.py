"""``colead admin``: admin accounts of the web console, their API tokens and sessions.

Parsing and printing only; the work is done by :mod:`colead.accounts`, which the admin
console calls too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import (
    DbOption,
    plain_console,
    utc_minute,
)
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.errors import InvalidData

if TYPE_CHECKING:
    pass

out = plain_console()
err = plain_console(stderr=True)

admin_app = typer.Typer(help="Admin accounts of the web console and API.", no_args_is_help=True)

#: who the audit log names for changes made from the command line
ACTOR = "cli"


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
    from colead.accounts.admins import check_new_admin, check_password_rules, create_admin

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
        _say(f"Set a new password for admin {account.email}; every session of theirs has ended.")


@admin_app.command("list")
def admin_list(db: DbOption = None) -> None:
    """List the admin accounts (never their passwords)."""
    from colead.accounts.admins import list_admins

    with _session(db) as session:
        admins = list_admins(session)
    if not admins:
        _say("No admin accounts yet; create one with `colead admin create --email E`.")
        return
    now = datetime.now(UTC)
    table = Table("email", "created (UTC)", "last login (UTC)", "status", highlight=False)
    for admin in admins:
        status = (
            f"locked until {utc_minute(admin.locked_until)} UTC" if admin.locked(now) else "active"
        )
        if admin.failed_logins and not admin.locked(now):
            status += f" ({admin.failed_logins} failed login(s))"
        table.add_row(
            admin.email, utc_minute(admin.created_at), utc_minute(admin.last_login_at), status
        )
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
    from colead.accounts.api_tokens import issue_token

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
    from colead.accounts.api_tokens import revoke_token

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
    from colead.accounts.admins import end_all_sessions

    with _session(db) as session:
        ended = end_all_sessions(session, email, actor=ACTOR)
    _say(f"Ended {ended} session(s) of admin {email.strip().lower()}.")
