"""`colead privacy` from the command line: messages, confirmations and exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from cli.test_main import run_cli
from colead.cli import app
from colead.errors import InvalidData, UnknownPerson
from colead.ingest.uploads import review_folder
from colead.store import make_engine, transaction
from colead.store.schema import AuditEntry, Person, Wave
from mail.test_smtp import failure
from web.stored import REVIEW, store_survey_review

pytestmark = pytest.mark.integration


def names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return sorted(session.scalars(select(Person.name)))
    finally:
        engine.dispose()


def test_export_and_erase_a_person(database_url: str, tmp_path: Path) -> None:
    store_survey_review(database_url)
    base = ("--review", REVIEW, "--db", database_url)
    shown = CliRunner().invoke(app, ["privacy", "export", "ben@client.test", *base])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["person"]["person_id"] == "C2"

    file = tmp_path / "C2.json"
    written = CliRunner().invoke(app, ["privacy", "export", "C2", *base, "--out", str(file)])
    assert written.exit_code == 0 and f"to {file}" in written.output
    document = json.loads(file.read_text(encoding="utf-8"))
    assert document["person"]["name"] == "Ben Client"
    assert {f["ratee_id"] for f in document["forms_as_rater"]} == {"C2", "S2"}

    unknown = CliRunner().invoke(app, ["privacy", "export", "Z9", *base])
    assert "no person 'Z9'" in failure(unknown, UnknownPerson).message

    kept = CliRunner().invoke(app, ["privacy", "erase", "C2", *base], input="n\n")
    assert kept.exit_code == 1 and "Nothing was erased" in kept.output
    assert "Ben Client" in names(database_url)

    erased = CliRunner().invoke(app, ["privacy", "erase", "C2", *base], input="y\n")
    assert erased.exit_code == 0, erased.output
    assert "Erased C2" in erased.output and "kept: 1 form(s) they filled in" in erased.output
    assert "Ben Client" not in names(database_url)

    gone = CliRunner().invoke(app, ["privacy", "erase", "C1", *base, "--delete-ratings", "--yes"])
    assert gone.exit_code == 0 and "deleted: 1 form(s) they filled in" in gone.output
    assert "Ana Client" not in names(database_url)


def test_retention_and_purge(database_url: str) -> None:
    survey = store_survey_review(database_url)
    base = ("--review", REVIEW, "--db", database_url)
    neither = CliRunner().invoke(app, ["privacy", "retention", "set", *base])
    assert "--months N or --keep" in failure(neither, InvalidData).message
    made = CliRunner().invoke(app, ["privacy", "retention", "set", *base, "--months", "12"])
    assert (
        made.exit_code == 0 and "12 month(s)" in made.output and "before: for good" in made.output
    )
    nothing = CliRunner().invoke(app, ["privacy", "purge", "--db", database_url, "--dry-run"])
    assert nothing.exit_code == 0 and "nothing to purge" in nothing.output

    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            session.execute(
                update(Wave)
                .where(Wave.id == survey.wave_ids["earlier"])
                .values(closed_at=datetime(2020, 3, 1, 12, tzinfo=UTC))
            )
    finally:
        engine.dispose()
    shown = CliRunner().invoke(app, ["privacy", "retention", "show", *base])
    assert "earlier: closed 2020-03-01, purge from 2021-03-01" in shown.output
    listed = CliRunner().invoke(app, ["privacy", "purge", *base, "--dry-run"])
    assert (
        "Would purge 1 wave(s)" in listed.output
        and "/ earlier: closed 2020-03-01, 1 form(s)" in listed.output
    )
    refused = CliRunner().invoke(app, ["privacy", "purge", *base], input="n\n")
    assert refused.exit_code == 1 and "Nothing was purged" in refused.output
    done = CliRunner().invoke(app, ["privacy", "purge", *base, "--yes"])
    assert done.exit_code == 0 and "Purged 1 wave(s): 1 form(s) deleted" in done.output
    again = CliRunner().invoke(app, ["privacy", "purge", *base, "--dry-run"])
    assert "nothing to purge" in again.output


def test_mistakes_end_with_a_message_and_an_exit_code(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'colead.db'}"
    store_survey_review(url)
    result = run_cli(
        "privacy", "erase", "nobody@example.test", "--review", REVIEW, "--db", url, "--yes"
    )
    assert result.returncode == 5
    assert "no person 'nobody@example.test'" in result.stderr and "e-mail" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# --- uploaded files in the data folder ----------------------------------------------


def _uploads(data: Path, review: str, names: list[str]) -> list[Path]:
    """Files named as the console stores uploads, in ``review``'s folder of ``data``."""
    folder = review_folder(data, review)
    paths = []
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("person_id,name,email\nC2,Ben Client,ben@client.test\n", "utf-8")
        paths.append(path)
    return paths


def _audit_detail(url: str, action: str) -> list[dict[str, object]]:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            query = select(AuditEntry.detail).where(AuditEntry.action == action)
            return [d or {} for d in session.scalars(query.order_by(AuditEntry.id))]
    finally:
        engine.dispose()


def test_erasing_a_person_removes_the_uploads_of_their_review(
    database_url: str, tmp_path: Path
) -> None:
    store_survey_review(database_url)
    data = tmp_path / "data"
    theirs = _uploads(
        data,
        REVIEW,
        [
            "20250101T090000Z-a1b2c3-people.csv",
            "20250101T090000Z-a1b2c3-people.rejected.csv",
            "bounces/20250102T090000Z-d4e5f6-returned.mbox",
        ],
    )
    others = _uploads(data, "Another review", ["20250101T090000Z-0a0b0c-people.csv"])
    not_ours = review_folder(data, REVIEW) / "notes.txt"
    not_ours.write_text("kept", "utf-8")

    erased = CliRunner().invoke(
        app,
        ["privacy", "erase", "C2", "--review", REVIEW, "--db", database_url, "--yes"],
        env={"COLEAD_DATA_DIR": str(data)},
    )
    assert erased.exit_code == 0, erased.output
    assert "removed 3 uploaded file(s) of the review" in erased.output
    assert not any(path.exists() for path in theirs)
    assert all(path.exists() for path in others) and not_ours.exists()
    assert _audit_detail(database_url, "privacy_erase")[0]["uploads_removed"] == 3


def test_purge_removes_uploads_of_purged_waves_and_old_ones(
    database_url: str, tmp_path: Path
) -> None:
    survey = store_survey_review(database_url)
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            session.execute(
                update(Wave)
                .where(Wave.id == survey.wave_ids["earlier"])
                .values(closed_at=datetime(2020, 3, 1, 12, tzinfo=UTC))
            )
    finally:
        engine.dispose()
    data = tmp_path / "data"
    recent = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    before_close, after_close, new = _uploads(
        data,
        REVIEW,
        [
            "20200201T090000Z-a1b2c3-responses.csv",
            "20200601T090000Z-a1b2c3-people.csv",
            f"{recent}-a1b2c3-people.csv",
        ],
    )
    base = ("privacy", "purge", "--review", REVIEW, "--db", database_url)
    keep_uploads = {"COLEAD_DATA_DIR": str(data), "COLEAD_UPLOAD_RETENTION_DAYS": "0"}
    set_months = ["privacy", "retention", "set", "--review", REVIEW, "--db", database_url]
    assert CliRunner().invoke(app, [*set_months, "--months", "12"]).exit_code == 0

    listed = CliRunner().invoke(app, [*base, "--dry-run"], env=keep_uploads)
    assert "1 form(s), 0 answered, 1 uploaded file(s)" in listed.output, listed.output
    done = CliRunner().invoke(app, [*base, "--yes"], env=keep_uploads)
    assert done.exit_code == 0, done.output
    assert "1 uploaded file(s) removed" in done.output
    assert (before_close.exists(), after_close.exists(), new.exists()) == (False, True, True)
    assert _audit_detail(database_url, "privacy_purge")[0]["uploads_removed"] == 1

    ninety = {"COLEAD_DATA_DIR": str(data), "COLEAD_UPLOAD_RETENTION_DAYS": "90"}
    old = CliRunner().invoke(app, [*base, "--yes"], env=ninety)
    assert old.exit_code == 0, old.output
    assert "Removed 1 uploaded file(s) kept longer than 90 day(s)" in old.output
    assert (after_close.exists(), new.exists()) == (False, True)
    purged = _audit_detail(database_url, "privacy_purge_uploads")
    assert [(d["keep_days"], d["uploads_removed"]) for d in purged] == [(90, 1)]
