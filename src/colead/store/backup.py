"""Copying a whole database to a file and back: the SQL and the database tools.

SQLite files are copied with SQLite's online backup API, which reads one consistent
snapshot while other connections go on writing (in WAL mode a reader never blocks the
writer). PostgreSQL databases go through ``pg_dump --format=custom`` and back through
``pg_restore`` piped into ``psql`` inside one transaction, so a restore either completes
or leaves the target as it was.

The policy (which file, what to refuse, what to audit) lives in :mod:`colead.privacy.backup`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, literal, select, table, text
from sqlalchemy.engine import URL

from colead.errors import ConfigurationError, InvalidData
from colead.store.engine import transaction
from colead.store.migrate import alembic_config_without_engine, current_revision
from colead.store.reviews import audit

#: first bytes of every SQLite database file
SQLITE_MAGIC = b"SQLite format 3\x00"
#: first bytes of a ``pg_dump --format=custom`` archive
PG_CUSTOM_MAGIC = b"PGDMP"
#: where Debian and Ubuntu install each PostgreSQL major version's client programs
PG_VERSIONED_BIN = "/usr/lib/postgresql/*/bin"

VERSION_TABLE = "alembic_version"


# --- facts about a live database ---------------------------------------------------------


def revision_of(engine: Engine) -> str | None:
    """The schema revision the database is at (None when it holds no colead schema)."""
    return current_revision(engine)


def known_revisions() -> list[str]:
    """Every schema revision this colead ships, oldest first."""
    script = ScriptDirectory.from_config(alembic_config_without_engine())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def tables_with_rows(engine: Engine) -> list[str]:
    """Tables (other than the schema version) that hold at least one row."""
    names = [n for n in inspect(engine).get_table_names() if n != VERSION_TABLE]
    found = []
    with engine.connect() as connection:
        for name in sorted(names):
            # one row is enough to know; counting a table of millions of answers is not
            first = connection.execute(select(literal(1)).select_from(table(name)).limit(1))
            if first.first() is not None:
                found.append(name)
    return found


def record_audit(engine: Engine, actor: str, action: str, **detail: Any) -> None:
    """One audit entry about the whole database (no review: it concerns all of them)."""
    with transaction(engine) as session:
        audit(session, actor, action, "database", **detail)


# --- SQLite ------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    return Path(url.database or "").expanduser()


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy the database ``source`` to the new file ``target`` as one consistent snapshot.

    The copy is switched out of WAL mode so that it is one self-contained file (no -wal or
    -shm beside it), checked with ``PRAGMA integrity_check`` and flushed to disk.
    """
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        # pages=-1 copies everything in one step, holding one read snapshot throughout;
        # smaller steps would restart whenever another connection commits.
        reader.backup(writer, pages=-1)
        writer.execute("PRAGMA journal_mode=DELETE")
        problems = _integrity_problems(writer)
        if problems:
            raise InvalidData(
                f"The copy of {source} failed its integrity check: {problems[0]}",
                "Run `PRAGMA integrity_check` on the database itself; restore an earlier "
                "backup if it is damaged.",
            )
    finally:
        writer.close()
        reader.close()
    _flush(target)


def sqlite_backup_facts(backup: Path) -> str | None:
    """Check a SQLite backup file and return its schema revision (None when the file holds
    no colead schema).

    Raises InvalidData when the file is damaged.
    """
    connection = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = _integrity_problems(connection)
        if problems:
            raise InvalidData(
                f"The backup {backup} is damaged: {problems[0]}",
                "Restore an earlier backup.",
            )
        has_version = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (VERSION_TABLE,)
        ).fetchone()
        if not has_version:
            return None
        row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise InvalidData(
            f"The backup {backup} cannot be read as a SQLite database: {exc}",
            "Give a file written by `colead backup`.",
        ) from None
    finally:
        connection.close()


def restore_sqlite(backup: Path, target: Path) -> None:
    """Replace the content of the database file ``target`` with the backup, in one step.

    The backup API writes through SQLite's own locking, so connections other processes
    hold on ``target`` (a running server) see either the old or the restored database,
    never a mixture; a WAL-mode target stays in WAL mode.
    """
    reader = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    writer = sqlite3.connect(target, timeout=30)
    try:
        reader.backup(writer, pages=-1)
    finally:
        writer.close()
        reader.close()


def integrity_problems(path: Path) -> list[str]:
    """What ``PRAGMA integrity_check`` finds wrong with a SQLite file (empty when sound)."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        return _integrity_problems(connection)
    finally:
        connection.close()


def _integrity_problems(connection: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in connection.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def _flush(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- PostgreSQL --------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTool:
    path: str
    major: int


def server_major(engine: Engine) -> int:
    """The PostgreSQL server's major version (e.g. 15)."""
    with engine.connect() as connection:
        number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    return number // 10000


def find_pg_tool(name: str, server: int) -> PgTool:
    """The client program ``name`` (pg_dump, pg_restore, psql) for a server of major
    version ``server``: the oldest one found that is not older than the server.

    Looks on PATH and in the per-version folders Debian and Ubuntu use. ``pg_dump`` refuses
    to dump a newer server, and an archive made by a newer ``pg_dump`` cannot be read by
    an older ``pg_restore``: both are turned into one clear error here.
    """
    candidates = [shutil.which(name), *sorted(glob.glob(f"{PG_VERSIONED_BIN}/{name}"))]
    found: dict[str, int] = {}
    for candidate in candidates:
        if candidate and candidate not in found:
            major = _tool_major(candidate)
            if major is not None:
                found[candidate] = major
    usable = sorted((major, path) for path, major in found.items() if major >= server)
    if usable:
        major, path = usable[0]
        return PgTool(path, major)
    if not found:
        raise ConfigurationError(
            f"{name} was not found (needed for PostgreSQL backups).",
            f"Install the PostgreSQL {server} client programs (Debian/Ubuntu: "
            f"apt install postgresql-client-{server}) so that {name} is on PATH.",
        )
    newest = max(found.values())
    raise ConfigurationError(
        f"{name} {newest} is older than the PostgreSQL {server} server.",
        f"Install the PostgreSQL {server} client programs (apt install "
        f"postgresql-client-{server}) and put them first on PATH.",
    )


def _tool_major(path: str) -> int | None:
    try:
        said = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"\)\s+(\d+)", said)
    return int(found.group(1)) if found else None


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string the PostgreSQL programs take, and their environment.

    The password travels in ``PGPASSWORD``, never on a command line that other users of
    the machine could read in the process list.
    """
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), environment


def pg_dump(url: URL, tool: PgTool, target: Path) -> None:
    """Dump the database to ``target`` in the custom format (compressed, one snapshot)."""
    dsn, environment = libpq_target(url)
    _run(
        [tool.path, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", dsn],
        environment,
        "pg_dump",
    )
    _flush(target)


def pg_dump_revision(tool: PgTool, backup: Path) -> str | None:
    """The schema revision recorded in a custom-format archive (None when it holds no
    colead schema); reads only that one table's data out of the archive."""
    script = _run(
        [tool.path, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(backup)],
        dict(os.environ),
        "pg_restore",
    )
    lines = script.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"COPY public.{VERSION_TABLE} ") and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return None if value == "\\." else value
    return None


def pg_restore(
    url: URL, restore_tool: PgTool, psql_tool: PgTool, backup: Path, drop: list[str]
) -> None:
    """Restore an archive into the database, first dropping the tables ``drop``; all in
    one transaction, so a failure leaves the target as it was.

    ``pg_restore`` turns the archive into SQL, which is passed on to ``psql`` inside an
    explicit transaction. The ``COMMIT`` is sent only once ``pg_restore`` has read the
    whole archive without error: a truncated or damaged archive ends the script early, and
    ``psql --single-transaction`` would then commit the part that had arrived.
    """
    dsn, environment = libpq_target(url)
    preamble = "BEGIN;\n"
    if drop:
        quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in drop)
        preamble += f"DROP TABLE IF EXISTS {quoted} CASCADE;\n"
    with tempfile.TemporaryFile() as restore_said, tempfile.TemporaryFile() as psql_said:
        script = subprocess.Popen(
            [restore_tool.path, "--no-owner", "--no-privileges", "--file=-", str(backup)],
            stdout=subprocess.PIPE,
            stderr=restore_said,
            env=environment,
        )
        loader = subprocess.Popen(
            [psql_tool.path, "-X", "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={dsn}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_said,
            env=environment,
        )
        assert script.stdout is not None and loader.stdin is not None
        try:
            loader.stdin.write(preamble.encode())
            shutil.copyfileobj(script.stdout, loader.stdin)
            if script.wait() == 0:
                loader.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error (ON_ERROR_STOP): its exit code says so below
        finally:
            script.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                loader.stdin.close()  # without COMMIT, the session's end rolls back
            script.wait()
            loader.wait()
        if script.returncode != 0:
            raise _tool_failed("pg_restore", _said(restore_said))
        if loader.returncode != 0:
            raise _tool_failed("psql", _said(psql_said))


def _said(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode(errors="replace")


def _run(command: list[str], environment: dict[str, str], name: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise _tool_failed(name, done.stderr)
    return done.stdout


def _tool_failed(name: str, said: str) -> ConfigurationError:
    first = next((line for line in said.splitlines() if line.strip()), "no message")
    if "version" in said and ("mismatch" in said or "unsupported" in said):
        return ConfigurationError(
            f"{name} does not match the server or the archive: {first}",
            "Use the client programs of the same PostgreSQL major version as the server "
            "(or newer).",
        )
    return ConfigurationError(
        f"{name} failed: {first}",
        "Check the database URL, that the user may read (backup) or create tables "
        "(restore), and that the file is a backup written by `colead backup`.",
    )
