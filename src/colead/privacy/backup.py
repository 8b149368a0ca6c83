"""Backing up a whole colead database to one file, and restoring it.

A backup is a consistent copy taken while the database is in use: a SQLite file (made by
SQLite's online backup API) or a PostgreSQL custom-format archive (``pg_dump``). Restoring
checks the file, refuses to overwrite data unless told to, and records what it did in the
audit log of the restored database. A backup made by an older colead restores as it was;
``colead init`` then upgrades it to the code's schema.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from colead.config import shown_url
from colead.errors import AlreadyExists, DatabaseUnavailable, InvalidData, OutputError
from colead.store import backup as store_backup
from colead.store import make_engine
from colead.store.migrate import head_revision

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class BackupMade:
    file: Path
    database: str
    kind: str
    revision: str
    size: int


@dataclass(frozen=True)
class Restored:
    file: Path
    database: str
    kind: str
    #: the schema revision of the restored database (that of the backup)
    revision: str
    #: the revision this colead needs; ``colead init`` upgrades when they differ
    head: str
    #: the tables that held rows before the restore replaced them
    replaced: tuple[str, ...]

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def backup_database(database_url: str, file: Path, *, actor: str) -> BackupMade:
    """Write a consistent copy of the database to ``file`` (replacing it atomically).

    The copy is written beside ``file`` under a temporary name and renamed into place
    only when complete, so an interrupted backup never leaves a truncated file under the
    expected name. The backup is recorded in the database's audit log.

    Raises
    ------
    DatabaseUnavailable
        when the database cannot be reached or holds no colead schema.
    OutputError
        when ``file`` cannot be written.
    ConfigurationError
        when ``pg_dump`` is missing or older than the PostgreSQL server.
    """
    url = _parse(database_url)
    kind = _kind(url)
    if kind == SQLITE:
        source = store_backup.sqlite_path(url)
        if not url.database or url.database == ":memory:" or not source.is_file():
            raise DatabaseUnavailable(
                f"There is no SQLite database at {source}.",
                "Give the URL of the database to back up with --db or COLEAD_DATABASE_URL.",
            )
        if source.resolve() == file.expanduser().resolve():
            raise OutputError(
                "The backup file cannot be the database itself.",
                "Write the backup to another file, ideally on another disk.",
            )
    folder = file.expanduser().resolve().parent
    if not folder.is_dir():
        raise OutputError(
            f"The folder for the backup does not exist: {folder}",
            "Create the folder first or give another path.",
        )
    engine = make_engine(database_url)
    try:
        revision = store_backup.revision_of(engine)
        if revision is None:
            raise DatabaseUnavailable(
                f"{_shown(url)} holds no colead schema: there is nothing to back up.",
                "Check the database URL (--db or COLEAD_DATABASE_URL).",
            )
        partial = folder / f".{file.name}.partial-{os.getpid()}"
        try:
            if kind == SQLITE:
                store_backup.copy_sqlite(store_backup.sqlite_path(url), partial)
            else:
                tool = store_backup.find_pg_tool("pg_dump", store_backup.server_major(engine))
                store_backup.pg_dump(url, tool, partial)
            os.replace(partial, file)
        except PermissionError as exc:
            raise OutputError(
                f"Cannot write the backup to {file}: {exc.strerror}",
                "Choose a folder you can write to.",
            ) from None
        finally:
            partial.unlink(missing_ok=True)
        size = file.stat().st_size
        store_backup.record_audit(
            engine,
            actor,
            "backup",
            file=str(file.expanduser().resolve()),
            revision=revision,
            bytes=size,
        )
    finally:
        engine.dispose()
    return BackupMade(file, _shown(url), kind, revision, size)


def backup_kind(file: Path) -> str:
    """Whether ``file`` is a SQLite or a PostgreSQL backup, from its first bytes.

    Raises InvalidData when it is neither (or missing).
    """
    try:
        with file.open("rb") as stream:
            start = stream.read(len(store_backup.SQLITE_MAGIC))
    except OSError as exc:
        raise InvalidData(
            f"Cannot read the backup {file}: {exc.strerror}",
            "Give the path of a file written by `colead backup`.",
        ) from None
    if start.startswith(store_backup.SQLITE_MAGIC):
        return SQLITE
    if start.startswith(store_backup.PG_CUSTOM_MAGIC):
        return POSTGRESQL
    raise InvalidData(
        f"{file} is not a colead backup (neither a SQLite file nor a pg_dump archive).",
        "Give a file written by `colead backup`.",
    )


def restore_database(database_url: str, file: Path, *, force: bool, actor: str) -> Restored:
    """Replace the database's content with the backup in ``file``.

    Refuses a database that holds rows unless ``force``; checks the backup's schema
    revision against the code (a backup from a newer colead is refused; an older one is
    restored as it is, for ``colead init`` to upgrade). The whole restore is one
    transaction: a failure leaves the target as it was. The restore is recorded in the
    restored database's audit log.

    Raises
    ------
    InvalidData
        when the file is not a readable colead backup, or not one for this kind of database,
        or was made by a newer colead.
    AlreadyExists
        when the target holds data and ``force`` is not given.
    ConfigurationError
        when the PostgreSQL client programs are missing or do not match the server.
    """
    url = _parse(database_url)
    kind = _kind(url)
    found = backup_kind(file)
    if found != kind:
        raise InvalidData(
            f"{file} is a {found} backup; the target database is {kind}.",
            f"Restore it into a {found} database (--db), or take the backup from a {kind} one.",
        )
    engine = make_engine(database_url)
    try:
        if kind == SQLITE:
            revision = store_backup.sqlite_backup_facts(file)
        else:
            server = store_backup.server_major(engine)
            restore_tool = store_backup.find_pg_tool("pg_restore", server)
            psql_tool = store_backup.find_pg_tool("psql", server)
            revision = store_backup.pg_dump_revision(restore_tool, file)
        _check_revision(file, revision)
        assert revision is not None
        replaced = tuple(store_backup.tables_with_rows(engine))
        if replaced and not force:
            raise AlreadyExists(
                f"{_shown(url)} already holds data ({len(replaced)} tables with rows, "
                f"e.g. {', '.join(replaced[:3])}).",
                "Restore into an empty database, or add --force to replace everything in it "
                "(back it up first).",
            )
        if kind == SQLITE:
            # The pool's connections would keep reading the old pages' cache otherwise.
            engine.dispose()
            store_backup.restore_sqlite(file, store_backup.sqlite_path(url))
        else:
            drop = store_backup.table_names(engine)
            engine.dispose()
            store_backup.pg_restore(url, restore_tool, psql_tool, file, drop)
        restored_revision = store_backup.revision_of(engine)
        if restored_revision != revision:
            raise DatabaseUnavailable(
                f"After the restore the database is at revision {restored_revision}, "
                f"not {revision} as the backup said.",
                "Restore again into an empty database and check the server's log.",
            )
        store_backup.record_audit(
            engine,
            actor,
            "restore",
            file=str(file.expanduser().resolve()),
            revision=revision,
            replaced_tables=len(replaced),
            forced=force,
        )
    finally:
        engine.dispose()
    return Restored(file, _shown(url), kind, revision, head_revision(), replaced)


def _check_revision(file: Path, revision: str | None) -> None:
    if revision is None:
        raise InvalidData(
            f"{file} holds no colead schema version: it is not a colead backup.",
            "Give a file written by `colead backup`.",
        )
    known = store_backup.known_revisions()
    if revision not in known:
        raise InvalidData(
            f"{file} was made by a newer colead (schema revision {revision}; this colead "
            f"knows up to {known[-1]}).",
            "Restore it with the colead version that made it, or a newer one.",
        )


def _parse(database_url: str) -> URL:
    try:
        return make_url(database_url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"Not a database URL: {shown_url(database_url)!r}",
            "Use sqlite:///path/to/colead.db or postgresql+psycopg://user@host:5432/dbname.",
        ) from None


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise DatabaseUnavailable(
            f"Backups support SQLite and PostgreSQL, not {backend}.",
            "Use sqlite:///path/to/colead.db or postgresql+psycopg://user@host:5432/dbname.",
        )
    return backend


def _shown(url: URL) -> str:
    # shown_url also hides a password given as a query parameter (?password=...)
    return shown_url(url.render_as_string(hide_password=True))
