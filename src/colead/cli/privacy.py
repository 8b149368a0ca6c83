"""``colead privacy``: export or erase one person, set a review's retention, purge.

Parsing, confirming and printing only; the work is done by :mod:`colead.privacy.person` and
:mod:`colead.privacy.retention`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from colead.cli.options import DbOption, ReviewOption, database_engine, say
from colead.config import load_settings
from colead.errors import InvalidData, OutputError

#: who the audit log names for changes made from the command line
ACTOR = "cli"

privacy_app = typer.Typer(
    help="Privacy: export or erase a person, retention of answers, purge.",
    no_args_is_help=True,
)
retention_app = typer.Typer(
    help="How long a review keeps answers after a wave closes.", no_args_is_help=True
)
privacy_app.add_typer(retention_app, name="retention")

PersonArgument = Annotated[
    str, typer.Argument(help="The person's person_id in the review, or their e-mail address.")
]
YesOption = Annotated[bool, typer.Option("--yes", help="Do it without asking to confirm.")]


def register(app: typer.Typer) -> None:
    """Add ``privacy`` to the ``colead`` command."""
    app.add_typer(privacy_app, name="privacy")


@privacy_app.command("export")
def export_command(
    person: PersonArgument,
    review: ReviewOption,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="JSON file to write (default: print to the screen)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Everything stored about one person, as one JSON document: their details, the forms
    they filled in, the feedback they received (group scores after the anonymity minimum,
    never who said what), enrolments, plans, nominations, e-mails and audit entries."""
    from colead.privacy.person import export_json, export_person

    minimum = load_settings(database_url=db).anonymity_minimum
    with database_engine(db) as engine:
        document = export_person(engine, review, person, minimum=minimum, actor=ACTOR)
    text = export_json(document)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"Cannot write {out}: {exc.strerror or exc}.",
            "Choose a file in a folder that exists and that you may write to.",
        ) from None
    say(f"Wrote everything stored about {document['person']['person_id']} to {out}.")


@privacy_app.command("erase")
def erase_command(
    person: PersonArgument,
    review: ReviewOption,
    delete_ratings: Annotated[
        bool,
        typer.Option(
            "--delete-ratings",
            help="Also delete the forms they filled in about others (changes others' results).",
        ),
    ] = False,
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Erase one person: their identity, the forms about them, their plans, enrolments,
    reactions, nominations, links and e-mail records; their name and e-mail are removed
    from comments and the audit log. Their answers about others stay, anonymous and
    without comments, so that nobody else's results change (unless --delete-ratings).
    Every file uploaded in the console for the review (in COLEAD_DATA_DIR) is removed."""
    from colead.privacy.person import UPLOADS_RULE, erase_person

    data_dir = Path(load_settings(database_url=db).data_dir)
    kept = "deleted too" if delete_ratings else "kept anonymously, so others' results do not change"
    if not yes and not typer.confirm(
        f"Erase {person} from review {review!r}? Their answers about others are {kept}. "
        "This cannot be undone.",
        default=False,
    ):
        say("Nothing was erased.")
        raise typer.Exit(1)
    with database_engine(db) as engine:
        done = erase_person(
            engine, review, person, delete_ratings=delete_ratings, actor=ACTOR, data_dir=data_dir
        )
    rows = done.rows
    say(f"Erased {person} from review {done.review!r}.")
    say(
        f"  deleted: {rows['forms_about']} form(s) about them, {rows['enrolments']} "
        f"enrolment(s), {rows['plans']} plan(s), {rows['nominations']} nomination(s), "
        f"{rows['participant_links']} participant link(s), {rows['mail_events']} e-mail record(s)"
    )
    if delete_ratings:
        say(f"  deleted: {rows['ratings_deleted']} form(s) they filled in about others")
    else:
        say(
            f"  kept: {rows['ratings_kept']} form(s) they filled in, without comments, "
            f"as anonymous rater {done.person_id}"
        )
    say(
        f"  removed their name or e-mail from {done.texts_scrubbed} text(s) and "
        f"{done.audit_entries_scrubbed} audit entr(ies)"
    )
    say(
        f"  removed {done.uploads_removed} uploaded file(s) of the review from {data_dir} "
        f"({UPLOADS_RULE})"
    )


@retention_app.command("set")
def retention_set(
    review: ReviewOption,
    months: Annotated[
        int | None,
        typer.Option("--months", help="Months to keep answers after a wave closes."),
    ] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep answers for good.")] = False,
    db: DbOption = None,
) -> None:
    """Set how many months a review keeps individual answers after a wave closes."""
    from colead.privacy.retention import set_retention

    if (months is None) == (not keep):
        raise InvalidData(
            "Give either --months N or --keep.",
            "--months 24 keeps answers for two years after each wave closes; --keep for good.",
        )
    with database_engine(db) as engine:
        before = set_retention(engine, review, months, actor=ACTOR)
    say(f"Review {review!r} now keeps answers {_policy(months)} (before: {_policy(before)}).")


@retention_app.command("show")
def retention_show(review: ReviewOption, db: DbOption = None) -> None:
    """The review's retention and, per wave, from when its answers may be purged."""
    from colead.privacy.retention import show_retention

    with database_engine(db) as engine:
        view = show_retention(engine, review)
    say(f"Review {view.review!r} keeps answers {_policy(view.months)}.")
    for wave in view.waves:
        closed = f"closed {_day(wave.closed_at)}" if wave.closed_at else wave.status
        due = f", purge from {_day(wave.purge_from)}" if wave.purge_from else ""
        say(f"  {wave.wave}: {closed}{due}")


@privacy_app.command("purge")
def purge_command(
    review: Annotated[
        str | None, typer.Option("--review", help="Only this review (default: every review).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be deleted; change nothing.")
    ] = False,
    yes: YesOption = False,
    db: DbOption = None,
) -> None:
    """Delete the individual answers of closed waves older than their review's retention:
    forms, comments, survey links, nominations and e-mail records, with the files uploaded
    in the console for the review before the wave closed. The waves, people, KPIs,
    programmes, plans and the audit log stay; a purged wave can no longer be analysed.
    Uploaded files older than COLEAD_UPLOAD_RETENTION_DAYS go as well."""
    from colead.privacy.retention import purge, purge_old_uploads

    settings = load_settings(database_url=db)
    data_dir, keep_days = Path(settings.data_dir), settings.upload_retention_days
    with database_engine(db) as engine:
        due = purge(engine, review, data_dir=data_dir, dry_run=True, actor=ACTOR)
        old = purge_old_uploads(
            engine, review, data_dir=data_dir, keep_days=keep_days, dry_run=True, actor=ACTOR
        )
        if not due and not old:
            say(
                "No wave is past its review's retention and no upload past its own: nothing "
                "to purge."
            )
            return
        verb = "Would purge" if dry_run else "Purging"
        if due:
            say(f"{verb} {len(due)} wave(s):")
        for wave in due:
            with_files = f", {wave.uploads} uploaded file(s)" if wave.uploads else ""
            say(
                f"  {wave.review} / {wave.wave}: closed {_day(wave.closed_at)}, "
                f"{wave.forms} form(s), {wave.answered} answered{with_files}"
            )
        if old:
            say(f"{verb} uploaded files kept longer than {keep_days} day(s):")
        for uploads in old:
            say(f"  {uploads.review}: {uploads.files} file(s)")
        if dry_run:
            return
        if not yes and not typer.confirm("Delete these? This cannot be undone.", False):
            say("Nothing was purged.")
            raise typer.Exit(1)
        done = purge(engine, review, data_dir=data_dir, dry_run=False, actor=ACTOR)
        removed = purge_old_uploads(
            engine, review, data_dir=data_dir, keep_days=keep_days, dry_run=False, actor=ACTOR
        )
    if done:
        forms = sum((w.deleted or {}).get("forms", 0) for w in done)
        files = sum(w.uploads for w in done)
        say(
            f"Purged {len(done)} wave(s): {forms} form(s) deleted, {files} uploaded file(s) "
            "removed."
        )
    if removed:
        old_files = sum(uploads.files for uploads in removed)
        say(f"Removed {old_files} uploaded file(s) kept longer than {keep_days} day(s).")


def _policy(months: int | None) -> str:
    return "for good" if months is None else f"{months} month(s) after a wave closes"


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "-"
