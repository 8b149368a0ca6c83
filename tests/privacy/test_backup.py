"""Backup and restore of a whole database, by round trip on every configured backend."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import make_url

from colead.errors import (
    AlreadyExists,
    ConfigurationError,
    DatabaseUnavailable,
    InvalidData,
    OutputError,
)
from colead.privacy.backup import backup_database, backup_kind, restore_database
from colead.store import backup as store_backup
from colead.store import init_database, make_engine, transaction
from colead.store.migrate import head_revision, upgrade
from colead.store.schema import AuditEntry, Person, Review
from reliability.databases import sibling_database
from reliability.stored_review import snapshot, store_populated_review

pytestmark = pytest.mark.integration


def audit_actions(url: str) -> list[tuple[str, str, dict[str, object] | None]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail).order_by(
                    AuditEntry.id
                )
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def rows_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        return snapshot(engine)
    finally:
        engine.dispose()


def test_a_backup_restores_every_row_after_the_data_was_changed_and_destroyed(
    database_url: str, tmp_path: Path
) -> None:
    review = store_populated_review(database_url)
    before = rows_of(database_url)
    assert all(before[name] for name in ("response", "person", "norm", "action", "kpi"))
    file = tmp_path / "colead.backup"

    made = backup_database(database_url, file, actor="tester")

    assert made.revision == head_revision()
    assert made.size == file.stat().st_size > 0
    assert backup_kind(file) == made.kind
    assert audit_actions(database_url)[-1][:2] == ("tester", "backup")
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            session.execute(update(Person).values(name="changed"))
            session.execute(delete(Review).where(Review.name == review))
    finally:
        engine.dispose()
    assert not rows_of(database_url)["response"]

    with pytest.raises(AlreadyExists, match="already holds data") as refused:
        restore_database(database_url, file, force=False, actor="tester")
    assert "--force" in (refused.value.hint or "")
    restored = restore_database(database_url, file, force=True, actor="tester")

    assert restored.revision == head_revision() and not restored.needs_upgrade
    assert "audit_log" in restored.replaced
    after = rows_of(database_url)
    assert set(after) == set(before)
    for name in before:
        if name != "audit_log":
            assert after[name] == before[name], name
    # the log is the backup's, plus the restore itself
    assert after["audit_log"][:-1] == before["audit_log"]
    actor, action, detail = audit_actions(database_url)[-1]
    assert (actor, action) == ("tester", "restore")
    assert detail is not None and detail["forced"] is True
    assert detail["revision"] == head_revision()


def test_a_backup_restores_into_an_empty_database_without_force(
    database_url: str, tmp_path: Path
) -> None:
    store_populated_review(database_url, seed=5)
    file = tmp_path / "colead.backup"
    backup_database(database_url, file, actor="tester")
    before = rows_of(database_url)
    with sibling_database(database_url, tmp_path) as empty:
        init_database(empty)  # a schema without rows counts as empty
        restored = restore_database(empty, file, force=False, actor="tester")
        assert restored.replaced == ()
        after = rows_of(empty)
    # the source logged its backup after taking it: the copy ends just before that
    assert after["audit_log"][:-1] == before["audit_log"][:-1]
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }


def test_an_older_backup_restores_as_it_was_and_init_upgrades_it(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO review (id, name, created_at) VALUES (1, 'R', CURRENT_TIMESTAMP)")
            )
    finally:
        engine.dispose()
    file = tmp_path / "old.backup"
    assert backup_database(database_url, file, actor="tester").revision == "0002"
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()

    restored = restore_database(database_url, file, force=True, actor="tester")

    assert restored.revision == "0002" and restored.needs_upgrade
    assert init_database(database_url) == ("0002", head_revision())
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id, name FROM review")).all() == [(1, "R")]
    finally:
        engine.dispose()


def test_a_backup_from_a_newer_colead_is_refused(database_url: str, tmp_path: Path) -> None:
    init_database(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    file = tmp_path / "future.backup"
    backup_database(database_url, file, actor="tester")
    with pytest.raises(InvalidData, match="newer colead") as refused:
        restore_database(database_url, file, force=True, actor="tester")
    assert refused.value.hint


def test_files_that_are_not_backups_are_refused(database_url: str, tmp_path: Path) -> None:
    init_database(database_url)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    with pytest.raises(InvalidData, match="not a colead backup"):
        restore_database(database_url, text_file, force=True, actor="tester")
    with pytest.raises(InvalidData, match="Cannot read"):
        restore_database(database_url, tmp_path / "missing.backup", force=True, actor="tester")


def test_a_sqlite_file_without_colead_schema_is_not_a_backup(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    target = f"sqlite:///{tmp_path / 'colead.db'}"
    with pytest.raises(InvalidData, match="no colead schema version"):
        restore_database(target, other, force=True, actor="tester")


def test_a_damaged_sqlite_backup_is_refused_and_the_target_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    store_populated_review(url, seed=9)
    file = tmp_path / "colead.backup"
    backup_database(url, file, actor="tester")
    data = bytearray(file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * 4096
    file.write_bytes(bytes(data))
    before = rows_of(url)
    with pytest.raises(InvalidData, match=r"damaged|cannot be read"):
        restore_database(url, file, force=True, actor="tester")
    assert rows_of(url) == before


def test_a_truncated_backup_changes_nothing_in_the_target(
    database_url: str, tmp_path: Path
) -> None:
    store_populated_review(database_url, seed=4)
    file = tmp_path / "colead.backup"
    backup_database(database_url, file, actor="tester")
    data = file.read_bytes()
    file.write_bytes(data[: len(data) * 3 // 5])
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            session.execute(update(Person).values(name="changed after the backup"))
    finally:
        engine.dispose()
    before = rows_of(database_url)
    with pytest.raises((InvalidData, ConfigurationError)) as refused:
        restore_database(database_url, file, force=True, actor="tester")
    assert refused.value.hint
    assert rows_of(database_url) == before


def test_a_refusing_postgres_program_is_one_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "pg_restore"
    fake.write_text(
        "#!/bin/sh\necho 'pg_restore: error: unsupported version (1.16) in file header' >&2\n"
        "exit 1\n"
    )
    fake.chmod(0o755)
    with pytest.raises(ConfigurationError, match="does not match") as refused:
        store_backup.pg_dump_revision(store_backup.PgTool(str(fake), 15), tmp_path / "x")
    assert "same PostgreSQL major version" in (refused.value.hint or "")


def test_a_sqlite_backup_is_one_self_contained_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    store_populated_review(url, seed=9)
    file = tmp_path / "colead.backup"
    backup_database(url, file, actor="tester")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("colead.backup")) == [
        "colead.backup"
    ]
    with sqlite3.connect(file) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert store_backup.integrity_problems(file) == []


def test_backups_refuse_what_they_cannot_do(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    with pytest.raises(DatabaseUnavailable, match="no SQLite database"):
        backup_database(missing, tmp_path / "x.backup", actor="tester")
    assert not (tmp_path / "missing.db").exists()
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    init_database(url)
    with pytest.raises(OutputError, match="folder"):
        backup_database(url, tmp_path / "no" / "x.backup", actor="tester")
    with pytest.raises(OutputError, match="database itself"):
        backup_database(url, tmp_path / "colead.db", actor="tester")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(DatabaseUnavailable, match="no colead schema"):
        backup_database(f"sqlite:///{empty}", tmp_path / "x.backup", actor="tester")
    with pytest.raises(DatabaseUnavailable, match="not mysql"):
        backup_database("mysql://x@localhost/db", tmp_path / "x.backup", actor="tester")


def test_a_backup_of_one_kind_is_refused_by_the_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    init_database(url)
    archive = tmp_path / "pg.backup"
    archive.write_bytes(store_backup.PG_CUSTOM_MAGIC + b"\x01\x0e\x00")
    with pytest.raises(InvalidData, match="postgresql backup; the target database is sqlite"):
        restore_database(url, archive, force=True, actor="tester")


def test_missing_or_too_old_postgres_programs_give_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(store_backup, "PG_VERSIONED_BIN", str(tmp_path / "none"))
    with pytest.raises(ConfigurationError, match="pg_dump was not found") as missing:
        store_backup.find_pg_tool("pg_dump", 15)
    assert "postgresql-client-15" in (missing.value.hint or "")
    old = tmp_path / "12" / "bin"
    old.mkdir(parents=True)
    fake = old / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.9'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(store_backup, "PG_VERSIONED_BIN", str(tmp_path / "*" / "bin"))
    with pytest.raises(ConfigurationError, match="pg_dump 12 is older than the PostgreSQL 15"):
        store_backup.find_pg_tool("pg_dump", 15)
    assert store_backup.find_pg_tool("pg_dump", 11) == store_backup.PgTool(str(fake), 12)


def test_the_postgres_password_stays_off_the_command_line() -> None:
    url = make_url("postgresql+psycopg://alice:s3cret@db.example:5433/colead?sslmode=require")
    dsn, environment = store_backup.libpq_target(url)
    assert "s3cret" not in dsn
    assert dsn == "postgresql://alice@db.example:5433/colead?sslmode=require"
    assert environment["PGPASSWORD"] == "s3cret"
