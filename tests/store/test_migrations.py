"""Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from colead.errors import DatabaseUnavailable
from colead.store import current_revision, ensure_current, head_revision, make_engine, upgrade
from colead.store.migrate import alembic_config
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
        assert {"admin_user", "api_token"} <= tables
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


def test_the_admin_revision_adds_accounts_and_tokens_and_keeps_earlier_rows(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        assert not {"admin_user", "api_token"} & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
        assert upgrade(engine, "0003") == ("0002", "0003")
        schema = inspect(engine)
        columns = {c["name"]: c for c in schema.get_columns("admin_user")}
        assert set(columns) == {
            "id", "email", "password_hash", "created_at", "failed_logins", "locked_until",
            "last_login_at",
        }  # fmt: skip
        assert columns["locked_until"]["nullable"] and not columns["failed_logins"]["nullable"]
        assert {c["name"] for c in schema.get_columns("api_token")} == {
            "id", "admin_id", "name", "token_hash", "created_at", "last_used_at", "revoked_at",
        }  # fmt: skip
        assert [fk["referred_table"] for fk in schema.get_foreign_keys("api_token")] == [
            "admin_user"
        ]
        unique = {
            tuple(u["column_names"])
            for table in ("admin_user", "api_token")
            for u in schema.get_unique_constraints(table)
        }
        assert {("email",), ("token_hash",)} <= unique
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO admin_user (email, password_hash, created_at) "
                    "VALUES ('a@example.org', '$argon2id$x', CURRENT_TIMESTAMP)"
                )
            )
            failed = connection.execute(text("SELECT failed_logins FROM admin_user")).scalar()
            assert failed == 0
            assert connection.execute(text("SELECT name FROM review")).scalar() == "R"
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO admin_user (email, password_hash, created_at) "
                    "VALUES ('a@example.org', '$argon2id$y', CURRENT_TIMESTAMP)"
                )
            )
        command.downgrade(alembic_config(engine), "0002")
        assert current_revision(engine) == "0002"
        assert not {"admin_user", "api_token"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_console_revision_adds_its_tables_and_keeps_earlier_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        console = {
            "nomination", "participant_link", "mail_template", "reminder", "mail_event",
            "admin_session", "login_failure",
        }  # fmt: skip
        assert not console & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
        assert upgrade(engine, "0004") == ("0003", "0004")
        assert console <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            assert connection.execute(text("SELECT name FROM review")).scalar() == "R"
        command.downgrade(alembic_config(engine), "0003")
        assert not console & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_programme_revision_adds_costs_and_attendance_and_keeps_rows(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0004")

        def columns(table: str) -> set[str]:
            return {c["name"] for c in inspect(engine).get_columns(table)}

        assert "other_costs" not in columns("programme")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
            connection.execute(
                text(
                    "INSERT INTO programme (id, review_id, name, cost_per_participant) "
                    "VALUES (1, 1, 'P', 1200.0)"
                )
            )
        assert upgrade(engine, "0005") == ("0004", "0005")
        assert "other_costs" in columns("programme")
        assert {"sessions_attended", "sessions_total"} <= columns("enrolment")
        with engine.begin() as connection:
            row = connection.execute(
                text("SELECT cost_per_participant, other_costs FROM programme")
            ).one()
            assert tuple(row) == (1200.0, None)
        command.downgrade(alembic_config(engine), "0004")
        assert "other_costs" not in columns("programme")
        assert "sessions_total" not in columns("enrolment")
    finally:
        engine.dispose()


def test_the_development_revision_adds_reactions_and_kpi_values(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0005")
        added = {"programme_reaction", "kpi_value"}
        assert not added & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
        assert upgrade(engine, "0006") == ("0005", "0006")
        assert added <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO kpi_value (review_id, kpi, value_per_unit, currency, periods, "
                    "updated_at) VALUES (1, 'On-time delivery', 1500.0, 'GBP', 4, "
                    "CURRENT_TIMESTAMP)"
                )
            )
            assert connection.execute(text("SELECT name FROM review")).scalar() == "R"
        command.downgrade(alembic_config(engine), "0005")
        assert not added & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
