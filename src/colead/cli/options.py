"""Options and helpers shared by the ``colead`` commands, defined once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from colead.config import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


def plain_console(*, stderr: bool = False) -> Console:
    """A console for the commands' output that prints every string as it is.

    Names, file cells, paths and messages can hold ``[brackets]`` and ``:colons:``, so no
    text is read as rich markup or emoji codes (a name with ``[/]`` in it would otherwise
    stop the command). Colour comes only from explicit styles, and only where the console
    is a terminal with colour. rich looks up ``sys.stdout`` / ``sys.stderr`` on every write,
    so test runners that swap them still see the output.
    """
    return Console(stderr=stderr, soft_wrap=True, markup=False, emoji=False)


#: where the commands print
out = plain_console()

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: COLEAD_DATABASE_URL or sqlite:///colead.db)."
    ),
]
NormsOption = Annotated[
    str | None,
    typer.Option("--norms", help="Norm set to benchmark against (see `colead norms list`)."),
]
FrameworkOption = Annotated[
    Path | None,
    typer.Option("--framework", help="Framework YAML file (default: the built-in framework)."),
]
ReviewOption = Annotated[str, typer.Option("--review", help="Name of the review.")]
WaveOption = Annotated[str | None, typer.Option("--wave", help="Wave name (default: the latest).")]
#: a wave that must be named (create, open, close)
WaveName = Annotated[str, typer.Option("--wave", help="Wave name.")]


def say(text: str) -> None:
    """Print ``text`` as it is: names from the data must not be read as rich markup."""
    out.print(text, markup=False, highlight=False)


def warn(console: Console, text: str) -> None:
    """Print one problem or warning line: ``"! "`` and then ``text``.

    ``text`` is printed exactly as given on any console, even one that reads markup:
    ``[bold]`` in a file cell stays ``[bold]``. The line is yellow where ``console`` is a
    terminal with colour, and plain text everywhere else (pipes, files, ``NO_COLOR``).
    """
    console.print(Text(f"! {text}", style="yellow"), highlight=False)


def utc_minute(moment: datetime | None) -> str:
    """``moment`` in UTC to the minute (SQLite hands stored UTC times back without a zone)."""
    if moment is None:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


@contextmanager
def database_engine(db: str | None) -> Iterator[Engine]:
    """An engine on the configured database, whose schema must be current; disposed after."""
    # imported here: the CLI starts faster when a command does not touch the database
    from colead.store import open_database

    engine = open_database(load_settings(database_url=db).database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def database_session(db: str | None) -> Iterator[Session]:
    """One transaction on the configured database (see ``database_engine``)."""
    from colead.store import transaction

    with database_engine(db) as engine, transaction(engine) as session:
        yield session
