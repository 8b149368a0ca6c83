"""``colead backup`` and ``colead restore``: parse, call :mod:`colead.privacy.backup`, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colead.cli.options import DbOption, say
from colead.config import load_settings

ACTOR = "cli"


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``colead`` command."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(
    file: Annotated[Path, typer.Argument(help="File to write the backup to (replaced).")],
    db: DbOption = None,
) -> None:
    """Write a consistent copy of the whole database to FILE, while it stays in use.

    SQLite: a single database file. PostgreSQL: a pg_dump custom-format archive (needs the
    PostgreSQL client programs of the server's version or newer).
    """
    from colead.privacy.backup import backup_database

    settings = load_settings(database_url=db)
    made = backup_database(settings.database_url, file, actor=ACTOR)
    say(
        f"Backed up {made.database} (schema revision {made.revision}) to {made.file} "
        f"({_size(made.size)})."
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="Backup file written by `colead backup`.")],
    db: DbOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that already holds data."),
    ] = False,
) -> None:
    """Replace the database's content with a backup (refused on a non-empty database
    unless --force). A backup from an older colead is then upgraded by `colead init`."""
    from colead.privacy.backup import restore_database

    settings = load_settings(database_url=db)
    restored = restore_database(settings.database_url, file, force=force, actor=ACTOR)
    replaced = f", replacing {len(restored.replaced)} tables' rows" if restored.replaced else ""
    say(
        f"Restored {restored.file} into {restored.database} "
        f"(schema revision {restored.revision}{replaced})."
    )
    if restored.needs_upgrade:
        say(
            f"The backup's schema is older than this colead's ({restored.head}): "
            "run `colead init` with the same --db to upgrade it."
        )


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = size / 1024
    for unit in ("KB", "MB"):
        if scaled < 1024:
            return f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled:.1f} GB"
