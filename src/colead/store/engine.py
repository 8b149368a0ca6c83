"""Engines and sessions, made on demand from settings (nothing at import time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from colead.errors import DatabaseUnavailable


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` and check that it answers.

    SQLite files get WAL journaling (readers never block the writer), enforced foreign
    keys, a busy timeout instead of immediate "database is locked" errors, and
    ``synchronous=FULL`` so a commit acknowledged to a rater survives a crash of the
    machine, not only of the process.

    Raises
    ------
    DatabaseUnavailable
        when the URL is malformed, its driver is missing or the server cannot be reached.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"Not a database URL: {url!r}",
            "Use sqlite:///path/to/colead.db or postgresql+psycopg://user@host:5432/dbname.",
        ) from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseUnavailable(
                    f"The folder for the SQLite database does not exist: {folder}",
                    "Create the folder first or give another path in the URL.",
                )
        kwargs["connect_args"] = {"timeout": 30}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable(
            f"No database driver for {parsed.drivername!r}: {exc}",
            "For PostgreSQL install the extra: pip install 'colead[postgres]' and use "
            "postgresql+psycopg://...",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"Cannot connect to the database {parsed.render_as_string(hide_password=True)}: "
            f"{reason}",
            "Check that the server is running and the URL (COLEAD_DATABASE_URL or --db) "
            "names the right host, port, user and database.",
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back everything on error."""
    session = make_sessionmaker(engine)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
