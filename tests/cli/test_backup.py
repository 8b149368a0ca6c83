"""`colead backup` and `colead restore` as a user runs them: a real process and real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.test_main import run_cli
from colead.cli import app
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry, Response
from reliability.stored_review import store_populated_review

pytestmark = pytest.mark.integration


def counts(url: str) -> tuple[int, list[str]]:
    """Stored forms, and the audit log's actions in order."""
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            forms = session.scalar(select(func.count(Response.id))) or 0
            actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
            return int(forms), actions
    finally:
        engine.dispose()


def test_backup_then_restore_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    store_populated_review(url)
    forms, _ = counts(url)
    file = tmp_path / "nightly.backup"

    made = run_cli("backup", str(file), "--db", url)
    assert made.returncode == 0, made.stderr
    assert f"to {file}" in made.stdout and "schema revision" in made.stdout
    assert counts(url)[1][-1] == "backup"

    refused = run_cli("restore", str(file), "--db", url)
    assert refused.returncode == 6
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    restored = run_cli("restore", str(file), "--db", fresh)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "colead init" not in restored.stdout
    fresh_forms, fresh_actions = counts(fresh)
    assert fresh_forms == forms
    assert fresh_actions[-1] == "restore"

    forced = run_cli("restore", str(file), "--db", url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "replacing" in forced.stdout


def test_restore_of_something_else_is_a_clear_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup")
    result = run_cli("restore", str(notes), "--db", f"sqlite:///{tmp_path / 'colead.db'}")
    assert result.returncode == 2
    assert "not a colead backup" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_backup_and_restore_are_listed_with_their_options() -> None:
    for command, options in (("backup", ["--db"]), ("restore", ["--db", "--force"])):
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0
        for option in options:
            assert option in result.output
