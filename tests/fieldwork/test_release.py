"""Releasing answers: at a close, in safe steps after a reopen, and never changed afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from builders import default_framework
from colead.errors import ResultsNotPublished
from colead.fieldwork.lifecycle import close_wave, open_wave
from colead.fieldwork.survey import AnswersPublished, SurveyService
from colead.ingest.importing import import_file
from colead.jobs.analyse import analyse_review
from colead.store import make_engine, open_database, transaction
from colead.store.schema import Response
from web.stored import REVIEW, SurveyDatabase, store_survey_review

pytestmark = pytest.mark.integration

MINIMUM = 3


@pytest.fixture
def survey_db(database_url: str) -> SurveyDatabase:
    return store_survey_review(database_url)


def _answer_all(service: SurveyService, token: str, value: str) -> None:
    survey = service.open(token)
    for page in survey.form.pages:
        fields = {q.item_id: [value] for q in getattr(page, "questions", ())}
        service.save_page(token, page.number, fields, "next")
    service.submit(token)


def _released(url: str) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return len(
                session.scalars(select(Response.id).where(Response.released_at.is_not(None))).all()
            )
    finally:
        engine.dispose()


def test_a_closed_wave_publishes_its_forms_and_they_cannot_change_after_a_reopen(
    survey_db: SurveyDatabase,
) -> None:
    engine = open_database(survey_db.url)
    service = SurveyService(engine, MINIMUM)
    try:
        _answer_all(service, survey_db.tokens["partner"], "4")
        with pytest.raises(ResultsNotPublished, match="is open"):
            analyse_review(engine, REVIEW, "baseline", MINIMUM)
        assert _released(survey_db.url) == 0
        with transaction(engine) as session:
            change = close_wave(session, REVIEW, "baseline", minimum=MINIMUM, actor="t")
        assert change.release is not None and change.release.released == 1
        assert _released(survey_db.url) == 1
        with transaction(engine) as session:
            open_wave(session, REVIEW, "baseline", reopen=True, actor="t")
        # the published form stays as it was; a form not yet answered may still be
        with pytest.raises(AnswersPublished):
            service.save_page(survey_db.tokens["partner"], 1, {}, "next")
        with pytest.raises(AnswersPublished):
            service.submit(survey_db.tokens["partner"])
        _answer_all(service, survey_db.tokens["peer"], "2")
    finally:
        engine.dispose()


def test_an_import_cannot_change_published_answers(database_url: str, tmp_path: Path) -> None:
    framework = default_framework()
    people = pd.DataFrame(
        [
            {"person_id": p, "name": p, "organisation": "Org", "site": "North", "level": 3}
            for p in ("A", "B", "C", "D")
        ]
    )
    people.to_csv(tmp_path / "people.csv", index=False)
    import_file(database_url, "people", tmp_path / "people.csv", review="R")

    def responses(value: int) -> pd.DataFrame:
        rows = [("A", rater, "peer") for rater in ("B", "C", "D")]
        frame = pd.DataFrame(rows, columns=["ratee_id", "rater_id", "relation"])
        for item in framework.item_ids:
            frame[item] = value
        return frame.assign(wave="w")

    responses(3).to_csv(tmp_path / "first.csv", index=False)
    import_file(database_url, "responses", tmp_path / "first.csv", review="R", wave="w")
    engine = open_database(database_url)
    try:
        with transaction(engine) as session:
            close_wave(session, "R", "w", minimum=MINIMUM, actor="t")
        before = analyse_review(engine, "R", "w", MINIMUM)
    finally:
        engine.dispose()
    responses(5).to_csv(tmp_path / "changed.csv", index=False)
    outcome = import_file(
        database_url, "responses", tmp_path / "changed.csv", review="R", wave="w", minimum=3
    )
    assert outcome.rejected == 3 and outcome.imported == outcome.updated == 0
    assert all("were published when the wave closed" in str(p) for p in outcome.problems)
    # an unchanged re-import is still welcome
    again = import_file(
        database_url, "responses", tmp_path / "first.csv", review="R", wave="w", minimum=3
    )
    assert again.rejected == 0
    engine = open_database(database_url)
    try:
        after = analyse_review(engine, "R", "w", MINIMUM)
    finally:
        engine.dispose()
    table = after.person_scores.table
    assert np.allclose(table["mean"], before.person_scores.table["mean"])
