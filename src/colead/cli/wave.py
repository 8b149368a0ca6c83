"""``colead wave``: create, open, close and list the waves of a review.

Parsing and printing only; the work is done by :mod:`colead.fieldwork.lifecycle`, which
the admin console calls too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from colead.cli.options import (
    DbOption,
    FrameworkOption,
    ReviewOption,
    WaveName,
    plain_console,
    utc_minute,
)
from colead.cli.options import database_session as _session
from colead.cli.options import say as _say
from colead.config import load_settings

if TYPE_CHECKING:
    from colead.fieldwork.lifecycle import WaveInfo

out = plain_console()
err = plain_console(stderr=True)

wave_app = typer.Typer(
    help="Waves of a review: create, open, close, list (draft -> open -> closed).",
    no_args_is_help=True,
)

#: who the audit log names for changes made from the command line
ACTOR = "cli"


def _forms(info: WaveInfo) -> str:
    return f"{info.completed} of {info.assignments} forms submitted"


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
    from colead.fieldwork.lifecycle import create_draft_wave
    from colead.framework import load_framework

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
    from colead.fieldwork.lifecycle import open_wave

    with _session(db) as session:
        change = open_wave(session, review, wave, reopen=reopen, actor=ACTOR)
    info = change.wave
    verb = "Reopened" if change.action == "reopen" else "Opened"
    _say(f"{verb} wave {info.name!r} of review {info.review!r}: raters can answer.")
    _say(f"{_forms(info)}.")


@wave_app.command("close")
def wave_close(review: ReviewOption, wave: WaveName, db: DbOption = None) -> None:
    """Close an open wave: its survey links stop accepting answers."""
    from colead.fieldwork.lifecycle import close_wave

    minimum = load_settings(database_url=db).anonymity_minimum
    with _session(db) as session:
        change = close_wave(session, review, wave, minimum=minimum, actor=ACTOR)
    info = change.wave
    _say(f"Closed wave {info.name!r} of review {info.review!r}: {_forms(info)}.")
    waiting = change.release.describe(minimum) if change.release else None
    if waiting:
        _say(waiting)


@wave_app.command("list")
def wave_list(review: ReviewOption, db: DbOption = None) -> None:
    """List the waves of a review with their status and forms."""
    from colead.fieldwork.lifecycle import review_waves

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
            utc_minute(info.opened_at)[:10],
            utc_minute(info.closed_at)[:10],
        )
    out.print(table)
