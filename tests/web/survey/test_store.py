"""The survey's store: finding a form, racing saves, drafts kept out of the analysis."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import func, select

from builders import default_framework
from colead.domain import BLANK, Relation
from colead.errors import UnknownRater
from colead.fieldwork.survey import NothingAnswered, SurveyService, build_form
from colead.store import make_engine, transaction
from colead.store.reviews import get_review
from colead.store.schema import Response
from colead.store.survey import find_survey, save_answers
from colead.store.waves import get_wave, hash_token, load_wave_data
from web.stored import REVIEW, SurveyDatabase

pytestmark = pytest.mark.integration

ITEMS = len(default_framework().item_ids)


def vector(value: int) -> bytes:
    return np.full(ITEMS, value, dtype=np.int8).tobytes()


def response_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return int(session.scalar(select(func.count()).select_from(Response)) or 0)
    finally:
        engine.dispose()


def test_an_unknown_token_hash_is_an_unknown_rater(survey_db: SurveyDatabase) -> None:
    engine = make_engine(survey_db.url)
    try:
        with transaction(engine) as session:
            for locked in (False, True):
                with pytest.raises(UnknownRater):
                    find_survey(session, hash_token("no such token"), for_update=locked)
    finally:
        engine.dispose()


def test_two_interleaved_saves_leave_one_row_with_the_last_answers(
    survey_db: SurveyDatabase,
) -> None:
    """The first save is still uncommitted when the second starts; the second wins."""
    record = survey_db.record("partner")
    first_engine, second_engine = make_engine(survey_db.url), make_engine(survey_db.url)
    failures: list[BaseException] = []

    def second_save() -> None:
        try:
            with transaction(second_engine) as session:
                save_answers(
                    session, record.assignment_id, record.framework_version_id, vector(2), "B", None
                )
        except BaseException as exc:  # reported to the test thread below
            failures.append(exc)

    try:
        with transaction(first_engine) as session:
            save_answers(
                session, record.assignment_id, record.framework_version_id, vector(1), "A", None
            )
            session.flush()
            second = threading.Thread(target=second_save)
            second.start()
        second.join()
    finally:
        first_engine.dispose()
        second_engine.dispose()
    assert failures == []
    assert response_rows(survey_db.url) == 1
    stored = survey_db.record("partner")
    assert stored.codes == vector(2)
    assert stored.comment_strengths == "B"
    assert stored.submitted_at is None


def test_concurrent_page_saves_never_fail_or_duplicate(survey_db: SurveyDatabase) -> None:
    token = survey_db.tokens["partner"]
    form = build_form(default_framework(), Relation.partner)
    engine = make_engine(survey_db.url)
    service = SurveyService(engine, 3)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def device(page: int, value: str) -> None:
        try:
            start.wait()
            fields = {q.item_id: [value] for q in form.page(page).questions}
            for _ in range(4):
                service.save_page(token, page, fields, "next")
        except BaseException as exc:  # reported to the test thread below
            failures.append(exc)

    threads = [
        threading.Thread(target=device, args=(1, "5")),
        threading.Thread(target=device, args=(2, "1")),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answers = service.open(token).answers
    finally:
        engine.dispose()
    assert failures == []
    assert response_rows(survey_db.url) == 1
    # Each save reads and writes under the form's lock, so both pages' answers survive.
    assert {answers.codes[q.position] for q in form.page(1).questions} == {5}
    assert {answers.codes[q.position] for q in form.page(2).questions} == {1}
    assert {answers.codes[q.position] for q in form.page(3).questions} == {BLANK}


def test_drafts_stay_out_of_the_analysis_until_submitted(survey_db: SurveyDatabase) -> None:
    framework = default_framework()
    engine = make_engine(survey_db.url)
    service = SurveyService(engine, 3)
    token = survey_db.tokens["partner"]

    def completed() -> int:
        with transaction(engine) as session:
            review = get_review(session, REVIEW)
            wave = get_wave(session, review, "baseline")
            data = load_wave_data(session, review, wave, framework)
            assert data.values.shape == (len(data.responses), len(framework.item_ids))
            return int(data.assignments["completed"].sum())

    try:
        form = build_form(framework, Relation.partner)
        fields = {q.item_id: ["4"] for q in form.page(1).questions}
        service.save_page(token, 1, fields, "next")
        assert completed() == 0
        service.submit(token)
        assert completed() == 1
    finally:
        engine.dispose()


def test_a_submitted_form_cannot_be_emptied(survey_db: SurveyDatabase) -> None:
    """Clearing every answer of a submitted form would leave a counted form with nothing
    in it; the survey refuses and keeps the answers."""
    engine = make_engine(survey_db.url)
    service = SurveyService(engine, 3)
    token = survey_db.tokens["partner"]
    try:
        form = build_form(default_framework(), Relation.partner)
        questions = form.page(1).questions
        service.save_page(token, 1, {questions[0].item_id: ["4"]}, "next")
        service.submit(token)
        with pytest.raises(NothingAnswered, match="keeps at least one answer"):
            service.save_page(token, 1, {q.item_id: [""] for q in questions}, "next")
        answers = service.open(token).answers
        assert answers.codes[questions[0].position] == 4
    finally:
        engine.dispose()
