"""``colead mail`` (letter wording, bounces) and ``colead reminders`` (scheduled reminders).

Parsing and printing only; the work is done by :mod:`colead.mail.review_wording`,
:mod:`colead.mail.bounces` and :mod:`colead.fieldwork.reminders`, which the admin console calls too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import DbOption, ReviewOption, plain_console
from colead.cli.options import database_engine as _engine
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.config import load_settings
from colead.errors import InvalidData

if TYPE_CHECKING:
    pass

out = plain_console()

#: who the audit log names for changes made from the command line
ACTOR = "cli"

mail_app = typer.Typer(help="E-mail: the wording of letters, and bounces.", no_args_is_help=True)
template_app = typer.Typer(
    help="A review's own wording of invitations and reminders.", no_args_is_help=True
)
mail_app.add_typer(template_app, name="template")
reminders_app = typer.Typer(
    help="Reminders e-mailed at set times to raters who have not submitted.",
    no_args_is_help=True,
)


def add_mail_commands(app: typer.Typer) -> None:
    """Register ``colead mail`` and ``colead reminders``."""
    app.add_typer(mail_app, name="mail")
    app.add_typer(reminders_app, name="reminders")


class LetterKindChoice(StrEnum):
    invitation = "invitation"
    reminder = "reminder"
    participant = "participant"
    overdue_actions = "overdue_actions"
    reaction = "reaction"
    reaction_reminder = "reaction_reminder"


def _register_letter_kinds() -> None:
    """Import the modules that send the other letters: importing them registers their kinds.
    Loaded only when a template command runs, to keep the CLI quick to start."""


KindOption = Annotated[LetterKindChoice, typer.Option("--kind", help="Which letter.")]


def _read_text(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidData(
            f"Cannot read the {what} file {path}: {reason}", "Give a UTF-8 text file."
        ) from None


# --- wording -----------------------------------------------------------------------------


@template_app.command("show")
def template_show(review: ReviewOption, kind: KindOption, db: DbOption = None) -> None:
    """Show the wording a review uses for a letter, and a preview with sample data."""
    from colead.mail.review_wording import wording_of

    _register_letter_kinds()

    with _session(db) as session:
        current = wording_of(session, review, kind.value)
    where = (
        f"the review's own (changed by {current.updated_by})"
        if current.customised
        else "the packaged default"
    )
    _say(f"The {kind.value} of review {review!r} uses {where}.")
    _say(f"Variables: {', '.join(current.kind.variables)}")
    _say(f"Subject: {current.wording.subject}")
    _say("--- text body ---")
    _say(current.wording.text.rstrip("\n"))
    _say("--- HTML body ---" if current.wording.html else "--- no HTML body ---")
    if current.wording.html:
        _say(current.wording.html.rstrip("\n"))
    preview = current.preview()
    _say("--- preview with sample data ---")
    _say(f"Subject: {preview.subject}")
    _say(preview.text.rstrip("\n"))


@template_app.command("set")
def template_set(
    review: ReviewOption,
    kind: KindOption,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject line (Jinja2, one line).")
    ] = None,
    text: Annotated[
        Path | None, typer.Option("--text", help="File with the plain-text body (Jinja2).")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="File with the HTML body (Jinja2, autoescaped); optional."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Give a review its own wording of a letter (checked before it is saved).

    Parts not given are kept from the wording in use now (the packaged one at first);
    without --html a customised letter keeps its HTML body only if it had one.
    """
    from colead.mail.review_wording import save_review_wording, wording_of
    from colead.mail.wording import Wording

    _register_letter_kinds()

    if subject is None and text is None and html is None:
        raise InvalidData("Nothing to change.", "Give --subject, --text FILE and/or --html FILE.")
    new_text = _read_text(text, "text body")
    new_html = _read_text(html, "HTML body")
    with _session(db) as session:
        current = wording_of(session, review, kind.value).wording
        wording = Wording(
            subject if subject is not None else current.subject,
            new_text if new_text is not None else current.text,
            new_html if new_html is not None else current.html,
        )
        saved = save_review_wording(session, review, kind.value, wording, actor=ACTOR)
    html_note = "with an HTML body" if saved.wording.html else "plain text only"
    _say(f"Saved the {kind.value} wording of review {review!r} ({html_note}).")
    _say(f"Back to the packaged one: `colead mail template reset --review {review!r} --kind "
         f"{kind.value}`.")  # fmt: skip


@template_app.command("reset")
def template_reset(review: ReviewOption, kind: KindOption, db: DbOption = None) -> None:
    """Go back to the packaged wording of a letter."""
    from colead.mail.review_wording import reset_review_wording

    _register_letter_kinds()

    with _session(db) as session:
        removed = reset_review_wording(session, review, kind.value, actor=ACTOR)
    if removed:
        _say(f"The {kind.value} of review {review!r} uses the packaged wording again.")
    else:
        _say(f"The {kind.value} of review {review!r} already uses the packaged wording.")


# --- bounces -----------------------------------------------------------------------------


@mail_app.command("bounces")
def mail_bounces(
    file: Annotated[Path, typer.Argument(help="An mbox file, a Maildir folder or one .eml.")],
    db: DbOption = None,
) -> None:
    """Record the bounces reported by delivery status notifications (RFC 3464).

    Permanent failures (5.x.x) are matched to the letters sent and recorded; their
    addresses get no more reminders until the person's e-mail changes. Temporary failures
    (4.x.x) are only reported.
    """
    from colead.mail.bounces import FIX, import_bounces

    with _engine(db) as engine:
        report = import_bounces(engine, file, actor=ACTOR)
    _say(
        f"Read {report.messages} message(s): {report.messages - report.not_reports} delivery "
        f"report(s), {report.not_reports} other message(s) skipped."
    )
    for finding in report.findings:
        recipient = finding.recipient
        who = f" ({finding.person_name})" if finding.person_name else ""
        _say(
            f"  {recipient.email}{who}: {finding.result} – {recipient.status} "
            f"{recipient.diagnostic}".rstrip()
        )
    _say(
        f"Recorded {report.count('recorded')} bounce(s); {report.count('already recorded')} "
        f"already recorded, {report.count('temporary')} temporary failure(s) not recorded, "
        f"{report.count('no matching letter')} without a matching letter."
    )
    if report.count("recorded"):
        _say(FIX)


# --- reminders ---------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@reminders_app.command("schedule")
def reminders_schedule(
    review: ReviewOption,
    wave: Annotated[str, typer.Option("--wave", help="Wave name.")],
    at: Annotated[
        list[str],
        typer.Option("--at", help="Due time in UTC, e.g. 2026-12-03T09:00; repeat for more."),
    ],
    db: DbOption = None,
) -> None:
    """Schedule reminders of a wave (times in UTC)."""
    from colead.fieldwork.reminders import parse_due_time, schedule_reminders
    from colead.store.schema import utcnow

    times = [parse_due_time(text) for text in at]
    with _session(db) as session:
        made = schedule_reminders(session, review, wave, times, now=utcnow(), actor=ACTOR)
    for row in made:
        _say(f"Scheduled reminder {row.id} of wave {row.wave!r} for {_when(row.due_at)} UTC.")
    _say("They are sent by `colead reminders run` (e.g. from cron) or by `colead serve`.")


@reminders_app.command("list")
def reminders_list(
    review: Annotated[
        str | None, typer.Option("--review", help="Only this review (default: all).")
    ] = None,
    wave: Annotated[str | None, typer.Option("--wave", help="Only this wave.")] = None,
    db: DbOption = None,
) -> None:
    """List scheduled reminders and what became of them (times in UTC)."""
    from colead.fieldwork.reminders import reminder_result, reminder_state, review_reminders

    with _session(db) as session:
        rows = review_reminders(session, review, wave)
    if not rows:
        _say("No reminders are scheduled; add one with `colead reminders schedule`.")
        return
    table = Table("id", "review", "wave", "due (UTC)", "state", "result", highlight=False)
    for row in rows:
        table.add_row(
            str(row.id),
            row.review,
            row.wave,
            _when(row.due_at),
            reminder_state(row),
            reminder_result(row),
        )
    out.print(table)


@reminders_app.command("cancel")
def reminders_cancel(
    reminder_id: Annotated[int, typer.Option("--id", help="The id shown by `reminders list`.")],
    db: DbOption = None,
) -> None:
    """Cancel a scheduled reminder that has not been sent."""
    from colead.fieldwork.reminders import cancel_reminder

    with _session(db) as session:
        row = cancel_reminder(session, reminder_id, actor=ACTOR)
    _say(f"Cancelled reminder {row.id} of wave {row.wave!r} due {_when(row.due_at)} UTC.")


@reminders_app.command("run")
def reminders_run(db: DbOption = None) -> None:
    """Send the reminders that are due (for cron; safe to run on several machines)."""
    from colead.fieldwork.reminders import run_due_reminders

    settings = load_settings(database_url=db)
    with _engine(db) as engine:
        runs = run_due_reminders(engine, settings)
    if not runs:
        _say("No reminder is due.")
    for run in runs:
        row = run.reminder
        head = f"Reminder {row.id} of wave {row.wave!r} of review {row.review!r}"
        if run.mail is not None:
            mail = run.mail
            _say(
                f"{head}: sent {len(mail.sent)} message(s), {len(mail.refused)} refused, "
                f"{len(mail.bounced)} bounced address(es) skipped."
            )
            for outcome in mail.refused:
                _say(f"  refused {outcome.rater_name} <{outcome.email}>: {outcome.error}")
        else:
            _say(f"{head}: {run.status} – {run.reason}")
