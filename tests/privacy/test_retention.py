"""Retention: a review's months of keeping answers, and the purge of waves past them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from colead.errors import InvalidData, ReviewNotFound
from colead.privacy.retention import add_months, purge, set_retention, show_retention
from colead.store import open_database, transaction
from colead.store.schema import Assignment, AuditEntry, Wave
from colead.store.schema_console import Nomination, ParticipantLink
from web.stored import REVIEW, store_survey_review

#: a data folder without uploads (the uploads' purge is tested in tests/cli/test_privacy.py)
NONE = Path("no-such-data-folder")


def test_months_are_calendar_months_clamped_to_the_month_end() -> None:
    start = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
    assert add_months(start, 1) == datetime(2024, 2, 29, 9, 30, tzinfo=UTC)
    assert add_months(start, 13) == datetime(2025, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(datetime(2024, 11, 15), 2) == datetime(2025, 1, 15)
    assert add_months(start, 0) == start


@pytest.mark.integration
def test_purge_deletes_the_answers_of_waves_past_the_policy_only(database_url: str) -> None:
    survey = store_survey_review(database_url)
    engine = open_database(database_url)
    earlier = survey.wave_ids["earlier"]
    try:
        with transaction(engine) as session:
            wave = session.get_one(Wave, earlier)
            closed = wave.closed_at if wave.closed_at.tzinfo else wave.closed_at.replace(tzinfo=UTC)
            form = session.scalars(select(Assignment).where(Assignment.wave_id == earlier)).one()
            session.add(Nomination(wave_id=earlier, ratee_id=form.ratee_id, relation="peer",
                                   rater_id=form.rater_id))  # fmt: skip
            session.add(
                ParticipantLink(wave_id=earlier, person_id=form.ratee_id, token_hash="a" * 64)
            )
        much_later = closed + timedelta(days=3650)
        # no policy: nothing is ever due
        assert purge(engine, None, data_dir=NONE, dry_run=True, actor="t", now=much_later) == []

        assert set_retention(engine, REVIEW, 6, actor="tester") is None
        view = show_retention(engine, REVIEW)
        assert view.months == 6
        due = {w.wave: w.purge_from for w in view.waves}
        assert due == {"earlier": add_months(closed, 6), "baseline": None, "later": None}

        assert (
            purge(engine, REVIEW, data_dir=NONE, dry_run=True, actor="t", now=add_months(closed, 5))
            == []
        )
        listed = purge(
            engine, REVIEW, data_dir=NONE, dry_run=True, actor="t", now=add_months(closed, 7)
        )
        assert [(w.wave, w.forms, w.deleted) for w in listed] == [("earlier", 1, None)]
        before = _counts(engine)
        done = purge(
            engine,
            None,
            data_dir=NONE,
            dry_run=False,
            actor="tester",
            now=add_months(closed, 7),
        )
        assert [w.wave for w in done] == ["earlier"]
        assert done[0].deleted == {
            "forms": 1, "nominations": 1, "participant_links": 1, "mail_events": 0
        }  # fmt: skip
        after = _counts(engine)
        assert after["earlier"] == 0 and after["baseline"] == before["baseline"] > 0
        with transaction(engine) as session:
            assert session.get(Wave, earlier) is not None  # the wave itself stays
            actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-2:] == ["retention_set", "privacy_purge"]
        # purged once: nothing left to purge
        assert purge(engine, None, data_dir=NONE, dry_run=False, actor="t", now=much_later) == []
    finally:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(
            select(Wave.name, func.count(Assignment.id))
            .outerjoin(Assignment, Assignment.wave_id == Wave.id)
            .group_by(Wave.name)
        )
        return {name: int(n) for name, n in rows}


@pytest.mark.integration
def test_a_retention_that_makes_no_sense_is_refused(database_url: str) -> None:
    store_survey_review(database_url)
    engine = open_database(database_url)
    try:
        for months in (0, -3, 1201):
            with pytest.raises(InvalidData, match="not a retention period"):
                set_retention(engine, REVIEW, months, actor="t")
        with pytest.raises(ReviewNotFound):
            set_retention(engine, "No such review", 12, actor="t")
        assert set_retention(engine, REVIEW, 24, actor="t") is None
        assert set_retention(engine, REVIEW, None, actor="t") == 24
        assert show_retention(engine, REVIEW).months is None
    finally:
        engine.dispose()
