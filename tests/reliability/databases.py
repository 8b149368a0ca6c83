"""Extra databases beside a test's own, on the same backend, removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from colead.store import make_engine


@contextmanager
def sibling_database(database_url: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database on the backend of ``database_url``: a file in
    ``folder`` for SQLite, a uniquely named database (dropped at the end) for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{folder / f'sibling-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"colead_sibling_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
