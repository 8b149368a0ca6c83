"""Engines and sessions, made on demand from settings (nothing at import time)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from colead.config import shown_url
from colead.errors import DatabaseUnavailable

if sys.platform != "win32":
    import fcntl


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
            f"Not a database URL: {shown_url(url)!r}",
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
        if parsed.password:  # a driver may quote the connection string it could not use
            reason = reason.replace(str(parsed.password), "***")
        raise DatabaseUnavailable(
            f"Cannot connect to the database {shown_url(parsed.render_as_string())}: {reason}",
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
    # A plain Session, not one from a new sessionmaker: each sessionmaker makes a Session
    # subclass whose event set-up costs more than a short web request's queries.
    session = Session(engine, expire_on_commit=False)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session whose reads all see the database as one moment left it.

    In ``transaction`` each read sees what has committed by the time it runs: PostgreSQL
    reads at READ COMMITTED, and the SQLite driver begins a transaction only before the
    first write, so earlier reads run one by one. A job that reads several tables and
    joins them in Python (the analysis of a wave) could then meet an assignment whose
    person was imported after it read the people. Here PostgreSQL reads at REPEATABLE
    READ, read only (such a transaction never fails to serialise), and SQLite in one
    deferred transaction, whose first read fixes what it sees (WAL: writers go on).
    """
    session = Session(engine, expire_on_commit=False)
    try:
        with session.begin():
            if engine.dialect.name == "postgresql":
                session.connection(
                    execution_options={
                        "isolation_level": "REPEATABLE READ",
                        "postgresql_readonly": True,
                    }
                )
            elif engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN")
            yield session
    finally:
        session.close()


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Wait for this database's turn to write, among the threads and processes of this
    machine that ask for it (several web workers share one SQLite file).

    SQLite has one writer at a time, and a writer that finds the database locked polls
    with growing sleeps (up to 100 ms each) rather than queueing: under a steady stream of
    saves some of them wait for hundreds of milliseconds while others go straight through.
    Waiting here instead, on a mutex in the process and an exclusive ``flock`` on a file
    beside the database across processes, wakes the next writer as soon as the last one
    has committed. Writers that do not ask for a turn still work, through SQLite's busy
    timeout. Other databases order their writers themselves: nothing happens for them.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    turn = _writer_turn(engine.url.database or "")
    with turn.threads:
        descriptor = turn.descriptor()
        if descriptor is None:
            yield
            return
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


class _WriterTurn:
    """One SQLite database's writer mutex in this process, and its lock file's descriptor."""

    def __init__(self, database: str) -> None:
        self.threads = threading.Lock()
        in_memory = database in ("", ":memory:") or sys.platform == "win32"
        self._path = None if in_memory else f"{Path(database).expanduser()}-writer"
        self._descriptor: int | None = None
        self._pid = 0

    def descriptor(self) -> int | None:
        """The lock file, opened once per process (a forked child must not share the
        parent's open file: ``flock`` would then not tell the two apart)."""
        if self._path is None:
            return None
        if self._descriptor is None or self._pid != os.getpid():
            self._descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._descriptor


_writer_turns: dict[str, _WriterTurn] = {}
_writer_turns_guard = threading.Lock()


def _writer_turn(database: str) -> _WriterTurn:
    with _writer_turns_guard:
        turn = _writer_turns.get(database)
        if turn is None:
            turn = _writer_turns[database] = _WriterTurn(database)
        return turn
