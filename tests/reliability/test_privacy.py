"""Privacy operations end to end, as a user runs them: export a person, erase them, set a
retention policy and purge; every step audited, nobody else's results changed, nothing of
the erased person left in any table, and an erasure that fails half-way changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

import colead.privacy.person
from cli.test_main import run_cli
from colead.cli import app
from colead.jobs.analyse import analyse_review
from colead.privacy.person import erase_person
from colead.store import open_database, transaction
from colead.store.schema import Assignment, AuditEntry, Wave
from privacy_data import add_personal_rows, person_scores, stored_mentions
from reliability.stored_review import snapshot, store_populated_review

pytestmark = [pytest.mark.reliability, pytest.mark.integration]


def test_export_erase_and_purge_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    review = store_populated_review(database_url, seed=5)
    engine = open_database(database_url)
    try:
        me = add_personal_rows(engine, review, "P00002", "P00010")
        base = ("--review", review, "--db", database_url)

        file = tmp_path / "export.json"
        exported = run_cli("privacy", "export", me.external_id, *base, "--out", str(file))
        assert exported.returncode == 0, exported.stderr
        document = json.loads(file.read_text(encoding="utf-8"))
        assert document["person"]["email"] == me.email and document["feedback_received"]

        before = person_scores(engine, review, "baseline")
        erased = run_cli("privacy", "erase", me.email, *base, "--yes")
        assert erased.returncode == 0, erased.stderr
        after = person_scores(engine, review, "baseline")
        others = before[before["ratee_id"] != me.external_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(after, others)
        assert stored_mentions(engine, me.name, me.email, me.external_id) == []

        # the rest in process: each new process costs seconds of imports
        made = CliRunner().invoke(app, ["privacy", "retention", "set", *base, "--months", "6"])
        assert made.exit_code == 0, made.output
        with transaction(engine) as session:
            session.execute(
                update(Wave)
                .where(Wave.name == "baseline")
                .values(closed_at=datetime(2024, 1, 10, tzinfo=UTC))
            )
        listed = CliRunner().invoke(app, ["privacy", "purge", *base, "--dry-run"])
        assert "Would purge 1 wave(s)" in listed.output and "/ baseline:" in listed.output
        purged = CliRunner().invoke(app, ["privacy", "purge", *base, "--yes"])
        assert purged.exit_code == 0 and "Purged 1 wave(s)" in purged.output, purged.output

        # the later wave is whole and still analysed; the purged one holds no forms
        results = analyse_review(engine, review, "follow-up", 3)
        assert results.participation.completed > 0
        with transaction(engine) as session:
            forms = session.scalar(
                select(func.count(Assignment.id))
                .join(Wave, Wave.id == Assignment.wave_id)
                .where(Wave.name == "baseline")
            )
            entries = session.execute(
                select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
            ).all()
        assert forms == 0
        actions = [a for a, _ in entries]
        order = ["privacy_export", "privacy_erase", "retention_set", "privacy_purge"]
        assert [a for a in actions if a in order] == order
        assert all(me.name not in json.dumps(d) for _, d in entries)
    finally:
        engine.dispose()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # every connection closed: nothing of theirs in the file's bytes, free pages included
        stored = Path(url.database or "").read_bytes().lower()
        assert me.name.lower().encode() not in stored
        assert me.email.lower().encode() not in stored


def test_an_erasure_that_fails_half_way_changes_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    review = store_populated_review(database_url, seed=5)
    engine = open_database(database_url)
    try:
        me = add_personal_rows(engine, review, "P00003", "P00010")
        before = snapshot(engine)

        def broken(*args: object) -> int:
            raise RuntimeError("the disk filled up")

        # everything else is deleted or rewritten by then
        monkeypatch.setattr(colead.privacy.person, "_scrub_audit", broken)
        with pytest.raises(RuntimeError):
            erase_person(
                engine,
                review,
                me.external_id,
                delete_ratings=False,
                actor="t",
                data_dir=tmp_path / "data",
            )
        assert snapshot(engine) == before
    finally:
        engine.dispose()
