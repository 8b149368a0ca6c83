"""Test configuration: every database test runs on SQLite and, when configured, PostgreSQL.

``COLEAD_TEST_DATABASE_URL`` (a PostgreSQL server URL) adds PostgreSQL to every database
test; each test gets its own freshly created database there. In CI (``CI=true``) the
variable is required and an unreachable server fails the run rather than skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "COLEAD_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI", "").lower() == "true" and not os.environ.get(POSTGRES_ENV):
        raise pytest.UsageError(
            f"CI=true but {POSTGRES_ENV} is not set: PostgreSQL tests must run in CI."
        )


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture(params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a new, empty database on each configured backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'colead.db'}"
        return
    yield from _fresh_postgres_database(os.environ[POSTGRES_ENV])


def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    name = f"colead_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a new database with colead's schema, disposed after the test."""
    from colead.store import init_database, open_database

    init_database(database_url)
    engine = open_database(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
