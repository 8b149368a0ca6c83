"""`colead wave`, `colead admin` and `colead invitations`, as a user runs them."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from builders import store_files_review
from colead.accounts import admins
from colead.cli import app
from colead.errors import (
    AlreadyExists,
    ColeadError,
    InvalidData,
    InvalidTransition,
    OutputError,
    WaveClosed,
)
from colead.fieldwork.invitations import InvitationExport, export_invitations
from colead.store import init_database, make_engine, transaction
from colead.store.schema import AdminUser, Assignment, AuditEntry, utcnow
from colead.store.waves import hash_token

pytestmark = pytest.mark.integration

REVIEW = "Client X – Supplier Y"
FORMULA = '=HYPERLINK("http://evil.test","Click me")'
PASSWORD = "a long enough passphrase"
BASE = "https://survey.example.org"


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input, env=env)


def failure(result: Result, kind: type[ColeadError]) -> ColeadError:
    """The user error a command ended with (``colead.cli.main`` prints it and exits)."""
    assert isinstance(result.exception, kind), result.output
    return result.exception


def run_cli(*commands: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``colead`` processes side by side (each starts in about two seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLEAD_")}
    started = [
        (args, subprocess.Popen(
            [sys.executable, "-m", "colead", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env,
        ))
        for args in commands
    ]  # fmt: skip
    done = []
    for args, process in started:
        stdout, stderr = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return done


@pytest.fixture
def db(database_url: str) -> str:
    init_database(database_url)
    return database_url


@pytest.fixture
def review_db(db: str, tmp_path: Path) -> str:
    """Five people (one named like a spreadsheet formula), five forms, one submitted."""
    store_files_review(
        db,
        tmp_path / "data",
        REVIEW,
        [{"person_id": "X1", "name": FORMULA, "email": "x1@client.test",
          "organisation": "Client Co", "organisation_role": "client", "site": "North",
          "role_title": "Analyst", "level": 4, "manager_id": "C2"}],
        [("C2", "C2", "self"), ("C2", "C1", "manager"), ("C2", "S1", "partner"),
         ("X1", "C2", "manager"), ("S1", "X1", "partner")],
    )  # fmt: skip
    return db


def _hashes(url: str) -> dict[int, str]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = session.execute(select(Assignment.id, Assignment.token_hash))
            return {ident: token_hash for ident, token_hash in rows}
    finally:
        engine.dispose()


def _audit(url: str, action: str) -> list[dict[str, object] | None]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            query = select(AuditEntry.detail).where(AuditEntry.action == action)
            return list(session.scalars(query.order_by(AuditEntry.id)))
    finally:
        engine.dispose()


def _admins(url: str) -> list[AdminUser]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            rows = list(session.scalars(select(AdminUser)))
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _token(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


# --- waves ---------------------------------------------------------------------------


def test_wave_commands_walk_the_life_cycle(db: str) -> None:
    where = ("--review", REVIEW, "--wave", "baseline", "--db", db)
    created = invoke("wave", "create", *where, "--period", "2025-q1")
    assert created.exit_code == 0, created.output
    assert f"Created review '{REVIEW}'" in created.output
    assert "as a draft" in created.output and "period 2025-Q1" in created.output
    listed = invoke("wave", "list", "--review", REVIEW, "--db", db)
    assert "baseline" in listed.output and "draft" in listed.output

    error = failure(invoke("wave", "close", *where), InvalidTransition)
    assert "still a draft" in error.message
    opened = invoke("wave", "open", *where)
    assert opened.exit_code == 0 and "Opened wave 'baseline'" in opened.output
    assert "0 of 0 forms submitted" in opened.output
    assert "already open" in failure(invoke("wave", "open", *where), InvalidTransition).message
    assert invoke("wave", "close", *where).exit_code == 0
    error = failure(invoke("wave", "open", *where), InvalidTransition)
    assert "--reopen" in (error.hint or "")
    reopened = invoke("wave", "open", *where, "--reopen")
    assert reopened.exit_code == 0 and "Reopened wave 'baseline'" in reopened.output
    listed = invoke("wave", "list", "--review", REVIEW, "--db", db)
    assert "open" in listed.output
    actions = [d["to_status"] for d in _audit(db, "open") + _audit(db, "reopen") if d]
    assert actions == ["open", "open"]
    assert len(_audit(db, "close")) == 1


def test_wave_list_counts_forms(review_db: str) -> None:
    listed = invoke("wave", "list", "--review", REVIEW, "--db", review_db)
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if "baseline" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[:2] == ["baseline", "open"]
    assert cells[2:4] == ["5", "1"]


# --- admins --------------------------------------------------------------------------


def test_admin_from_a_password_file_reads_its_first_line(db: str, tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text(f"{PASSWORD}\r\nnot this line\n", encoding="utf-8-sig")
    result = invoke(
        "admin", "create", "--email", " Lead@Example.org", "--password-file", str(secret),
        "--db", db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created admin lead@example.org" in result.output
    (admin,) = _admins(db)
    assert admin.email == "lead@example.org"
    assert admin.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(admin.password_hash, PASSWORD)
    listed = invoke("admin", "list", "--db", db)
    assert "lead@example.org" in listed.output and "active" in listed.output
    assert PASSWORD not in result.output + listed.output
    assert "$argon2" not in listed.output


def test_admin_from_the_hidden_prompt_asks_twice(db: str) -> None:
    result = invoke(
        "admin", "create", "--email", "lead@example.org", "--db", db,
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    (admin,) = _admins(db)
    assert PasswordHasher().verify(admin.password_hash, PASSWORD)


def test_admin_prompt_answers_that_differ_store_nothing(db: str) -> None:
    result = invoke(
        "admin", "create", "--email", "lead@example.org", "--db", db,
        input=f"{PASSWORD}\n{PASSWORD}!\n",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert _admins(db) == []


def test_duplicate_admin_and_short_password_are_refused(db: str, tmp_path: Path) -> None:
    good, short = tmp_path / "good.txt", tmp_path / "short.txt"
    good.write_text(PASSWORD, encoding="utf-8")
    short.write_text("too short\n", encoding="utf-8")
    create = ("admin", "create", "--email", "lead@example.org", "--db", db)
    error = failure(invoke(*create, "--password-file", str(short)), InvalidData)
    assert "too short (9 characters)" in error.message
    assert _admins(db) == []
    assert invoke(*create, "--password-file", str(good)).exit_code == 0
    first_hash = _admins(db)[0].password_hash
    error = failure(invoke(*create, "--password-file", str(good)), AlreadyExists)
    assert "--reset-password" in (error.hint or "")
    asked = invoke(*create, input=f"{PASSWORD}\n{PASSWORD}\n")
    failure(asked, AlreadyExists)
    assert "Password" not in asked.output  # refused before asking for a password
    assert _admins(db)[0].password_hash == first_hash
    good.write_text("an entirely different one", encoding="utf-8")
    reset = invoke(*create, "--password-file", str(good), "--reset-password")
    assert reset.exit_code == 0 and "Set a new password" in reset.output
    assert PasswordHasher().verify(_admins(db)[0].password_hash, "an entirely different one")
    missing = failure(
        invoke(*create, "--reset-password", "--password-file", str(tmp_path / "none")),
        InvalidData,
    )
    assert "Cannot read the password file" in missing.message


def test_a_reset_password_ends_every_session_of_the_account(db: str, tmp_path: Path) -> None:
    password = tmp_path / "password.txt"
    password.write_text(PASSWORD, encoding="utf-8")
    create = ("admin", "create", "--email", "lead@example.org", "--db", db)
    assert invoke(*create, "--password-file", str(password)).exit_code == 0
    engine = make_engine(db)
    try:
        with transaction(engine) as session:
            admin_id = _admins(db)[0].id
            stolen = [
                admins.start_session(session, admin_id, user_agent=None, now=utcnow())[0]
                for _ in range(2)
            ]
        password.write_text("an entirely different one", encoding="utf-8")
        reset = invoke(*create, "--password-file", str(password), "--reset-password")
        assert reset.exit_code == 0, reset.output
        assert "every session of theirs has ended" in reset.output
        with transaction(engine) as session:
            assert [admins.resume_session(session, s, now=utcnow()) for s in stolen] == [
                None,
                None,
            ]
    finally:
        engine.dispose()
    assert _audit(db, "reset_password") == [{"email": "lead@example.org", "ended_sessions": 2}]


# --- invitations ---------------------------------------------------------------------


def test_every_form_gets_a_link_whose_token_is_stored_only_as_a_hash(
    review_db: str, tmp_path: Path
) -> None:
    before = _hashes(review_db)
    target = tmp_path / "out" / "invitations.csv"
    result = invoke(
        "invitations", "export", str(target), "--review", REVIEW, "--base-url", BASE + "/",
        "--db", review_db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote 5 invitation link(s) for wave 'baseline'" in result.output
    rows = _rows(target)
    assert list(rows[0]) == ["rater_name", "rater_email", "ratee_name", "relation", "survey_url"]
    assert len(rows) == 5
    assert all(row["survey_url"].startswith(f"{BASE}/s/") for row in rows)
    tokens = [_token(row["survey_url"]) for row in rows]
    after = _hashes(review_db)
    assert {hash_token(token) for token in tokens} == set(after.values())
    assert not set(before.values()) & set(after.values())
    text = target.read_text(encoding="utf-8-sig")
    assert not any(token_hash in text for token_hash in after.values())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    pairs = {(r["rater_email"], r["relation"]) for r in rows}
    assert ("ben@client.test", "self") in pairs and ("x1@client.test", "partner") in pairs
    assert _audit(review_db, "issue_invitations") == [
        {"name": "baseline", "count": 5, "only_pending": False, "skipped": 0}
    ]


def test_a_second_export_replaces_every_earlier_link(review_db: str, tmp_path: Path) -> None:
    first = _export(review_db, tmp_path / "a.csv")
    old = {_token(r["survey_url"]) for r in _rows(first.path)}
    second = _export(review_db, tmp_path / "b.csv")
    new = {_token(r["survey_url"]) for r in _rows(second.path)}
    stored = set(_hashes(review_db).values())
    assert not old & new
    assert not {hash_token(token) for token in old} & stored
    assert {hash_token(token) for token in new} == stored
    assert [d["count"] for d in _audit(review_db, "issue_invitations") if d] == [5, 5]


def test_only_pending_keeps_the_links_of_submitted_forms(review_db: str, tmp_path: Path) -> None:
    before = _hashes(review_db)
    result = _export(review_db, tmp_path / "pending.csv", only_pending=True)
    assert result.rows == 4
    assert any("1 submitted form(s) left out" in note for note in result.notes)
    rows = _rows(result.path)
    assert ("Ben Client", "self") not in {(r["rater_name"], r["relation"]) for r in rows}
    after = _hashes(review_db)
    unchanged = [ident for ident in before if before[ident] == after[ident]]
    assert len(unchanged) == 1
    detail = _audit(review_db, "issue_invitations")[0]
    assert detail == {"name": "baseline", "count": 4, "only_pending": True, "skipped": 1}


def test_names_that_look_like_formulas_are_neutralised(review_db: str, tmp_path: Path) -> None:
    result = _export(review_db, tmp_path / "i.csv")
    rows = _rows(result.path)
    assert any(row["rater_name"] == "'" + FORMULA for row in rows)
    assert any(row["ratee_name"] == "'" + FORMULA for row in rows)
    assert not any(value.startswith("=") for row in rows for value in row.values())


def test_the_default_base_url_comes_from_the_settings(
    review_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLEAD_PUBLIC_URL", raising=False)
    target = tmp_path / "default.csv"
    args = ("invitations", "export", str(target), "--review", REVIEW, "--db", review_db)
    assert invoke(*args).exit_code == 0
    assert all(r["survey_url"].startswith("http://127.0.0.1:8000/s/") for r in _rows(target))
    configured = invoke(*args, env={"COLEAD_PUBLIC_URL": "https://colead.example.net/"})
    assert configured.exit_code == 0
    assert all(r["survey_url"].startswith("https://colead.example.net/s/") for r in _rows(target))


def test_a_closed_wave_gets_no_invitations(review_db: str, tmp_path: Path) -> None:
    closed = invoke("wave", "close", "--review", REVIEW, "--wave", "baseline", "--db", review_db)
    assert closed.exit_code == 0
    before = _hashes(review_db)
    target = tmp_path / "closed.csv"
    with pytest.raises(WaveClosed, match="is closed") as caught:
        _export(review_db, target)
    assert "--reopen" in (caught.value.hint or "")
    assert not target.exists()
    assert _hashes(review_db) == before
    assert _audit(review_db, "issue_invitations") == []


def test_a_draft_wave_gets_links_with_a_note(db: str, tmp_path: Path) -> None:
    where = ("--review", REVIEW, "--wave", "later", "--db", db)
    assert invoke("wave", "create", *where).exit_code == 0
    result = _export(db, tmp_path / "d.csv")
    assert result.rows == 0
    assert any("still a draft" in note for note in result.notes)
    assert any("no assignments yet" in note for note in result.notes)


def test_a_failed_write_keeps_the_earlier_links(
    review_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _hashes(review_db)

    def broken(frame: pd.DataFrame, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("colead.fieldwork.invitations.write_csv", broken)
    folder = tmp_path / "out"
    with pytest.raises(OutputError, match="No space left"):
        _export(review_db, folder / "i.csv")
    assert _hashes(review_db) == before
    assert list(folder.iterdir()) == []
    assert _audit(review_db, "issue_invitations") == []


def test_exit_codes_and_messages_without_traceback(review_db: str, tmp_path: Path) -> None:
    where = ("--review", REVIEW, "--wave", "baseline", "--db", review_db)
    export = ("invitations", "export", "--review", REVIEW, "--db", review_db)
    cases = [
        (("invitations", "export", str(tmp_path / "i.xlsx"), *export[2:]), 8, "not a .csv"),
        (("wave", "open", *where), 6, "already open"),
        (("admin", "create", "--email", "nobody", "--db", review_db), 2, "not an e-mail"),
        (("wave", "list", "--review", "Unknown", "--db", review_db), 5, "No review named"),
    ]
    results = run_cli(*(args for args, _, _ in cases))
    for (args, code, message), result in zip(cases, results, strict=True):
        assert result.returncode == code, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    assert invoke("wave", "close", *where).exit_code == 0
    (closed,) = run_cli(("invitations", "export", str(tmp_path / "c.csv"), *export[2:]))
    assert closed.returncode == 7
    assert "is closed" in closed.stderr and "--reopen" in closed.stderr
    assert "Traceback" not in closed.stdout + closed.stderr


def _export(url: str, path: Path, **options: bool) -> InvitationExport:
    return export_invitations(url, path, review=REVIEW, base_url=BASE, **options)
