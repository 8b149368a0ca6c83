"""Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from colead.errors import DatabaseUnavailable
from colead.store import current_revision, ensure_current, head_revision, make_engine, upgrade
from colead.store.schema import Base

pytestmark = pytest.mark.integration


def test_upgrade_creates_the_model_schema_without_drift(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        before, after = upgrade(engine)
        assert before is None
        assert after == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        tables = set(inspect(engine).get_table_names())
        assert {"review", "person", "wave", "assignment", "response", "audit_log"} <= tables
    finally:
        engine.dispose()


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        before, after = upgrade(engine)
        assert before == after == head_revision()
        ensure_current(engine)
    finally:
        engine.dispose()


def test_a_database_without_schema_is_refused_with_the_fix(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DatabaseUnavailable, match="no colead schema") as caught:
            ensure_current(engine)
        assert "colead init" in (caught.value.hint or "")
        assert current_revision(engine) is None
    finally:
        engine.dispose()


def test_a_database_of_another_application_is_not_touched(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
        with pytest.raises(DatabaseUnavailable, match="not colead's"):
            upgrade(engine)
        assert set(inspect(engine).get_table_names()) == {"invoices"}
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Not a database URL"),
        ("sqlite:////no/such/folder/colead.db", "folder for the SQLite database does not exist"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Cannot connect"),
        ("oracle+nodriver://x@y/z", "No database driver"),
    ],
)
def test_unusable_urls_give_one_clear_error(url: str, message: str) -> None:
    with pytest.raises(DatabaseUnavailable, match=message) as caught:
        make_engine(url)
    assert caught.value.hint


def test_a_database_made_by_the_first_schema_upgrades_and_keeps_its_rows(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO framework_version (id, framework_id, version, fingerprint, "
                    "title, content, created_at) VALUES (1, 'f', '1.0', 'abc', 't', '{}', "
                    "CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
            connection.execute(
                text(
                    "INSERT INTO wave (id, review_id, name, ordinal, status, "
                    "framework_version_id, created_at) VALUES (1, 1, 'baseline', 1, 'closed', 1, "
                    "CURRENT_TIMESTAMP)"
                )
            )
        before, after = upgrade(engine)
        assert (before, after) == ("0001", head_revision())
        with engine.connect() as connection:
            row = connection.execute(text("SELECT name, status, period FROM wave")).one()
        assert tuple(row) == ("baseline", "closed", None)
    finally:
        engine.dispose()
