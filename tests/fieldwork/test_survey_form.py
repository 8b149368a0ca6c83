"""The survey's pages, reading a posted page and navigation (no database)."""

from __future__ import annotations

import pytest

from builders import default_framework
from colead.domain import BLANK, NOT_OBSERVED, Relation
from colead.errors import InvalidResponse, NotFound
from colead.fieldwork.survey import (
    COMMENT_MAX_CHARS,
    Answers,
    PageInvalid,
    build_form,
    clean_comment,
    destination,
    read_page,
)
from colead.framework import RatedUnit


def test_observers_rate_the_person_in_observer_wording() -> None:
    framework = default_framework()
    form = build_form(framework, Relation.partner)
    person_scales = [s for f in framework.families if f.rates is RatedUnit.person for s in f.scales]
    assert [p.title for p in form.pages] == [s.title for s in person_scales] + ["Comments"]
    assert [p.number for p in form.pages] == list(range(1, len(form.pages) + 1))
    first = form.pages[0].questions[0]
    assert first.item_id == "model_1"
    assert first.text == framework.items[0].text
    assert len(form.questions) == sum(len(s.items) for s in person_scales)
    assert [c.name for c in form.pages[-1].comments] == [
        "comment_strengths",
        "comment_suggestions",
    ]
    assert form.pages[-1].comments[0].prompt == framework.comments[0].prompt


def test_the_self_form_uses_self_wording_and_asks_about_the_own_site() -> None:
    framework = default_framework()
    form = build_form(framework, Relation.self)
    texts = {q.item_id: q.text for q in form.questions}
    assert texts["model_1"] == framework.items[0].self_text
    assert texts["model_1"].startswith("I ")
    site_items = [
        i
        for f in framework.families
        if f.rates is RatedUnit.site
        for s in f.scales
        for i in s.items
    ]
    assert site_items and all(texts[i.id] == i.text for i in site_items)
    assert {p.about for p in form.pages} == {"person", "site", "comments"}
    assert len(form.questions) == len(framework.item_ids)
    assert form.pages[-1].comments[0].prompt == framework.comments[0].self_prompt


def test_question_positions_follow_the_stored_item_order() -> None:
    framework = default_framework()
    form = build_form(framework, Relation.self)
    assert [framework.item_ids[q.position] for q in form.questions] == [
        q.item_id for q in form.questions
    ]


def test_choices_are_the_scale_points_and_not_observed() -> None:
    form = build_form(default_framework(), Relation.peer)
    assert [c.value for c in form.choices] == ["1", "2", "3", "4", "5", "na"]
    assert form.choices[-1].code == NOT_OBSERVED
    assert form.choices[-1].label == "Not observed"
    assert form.label(4) == "Often"
    assert form.label(BLANK) is None


def test_a_page_reads_points_not_observed_and_blanks() -> None:
    form = build_form(default_framework(), Relation.peer)
    page = form.page(1)
    ids = [q.item_id for q in page.questions]
    fields = {ids[0]: ["5"], ids[1]: ["na"], ids[2]: [""], "unrelated": ["x"], "action": ["next"]}
    answers = read_page(form, page, fields, form.blank_answers())
    codes = [answers.codes[q.position] for q in page.questions]
    assert codes == [5, NOT_OBSERVED, BLANK] + [BLANK] * (len(ids) - 3)
    again = read_page(form, page, {ids[0]: ["2"]}, answers)
    assert [again.codes[q.position] for q in page.questions][:2] == [2, BLANK]


@pytest.mark.parametrize("bad", ["0", "6", "3.0", "three", "NA", "-1", "\x00", "5 5"])
def test_a_value_not_offered_is_refused_and_the_rest_is_kept(bad: str) -> None:
    form = build_form(default_framework(), Relation.peer)
    page = form.page(2)
    first, second = page.questions[:2]
    with pytest.raises(PageInvalid) as caught:
        read_page(form, page, {first.item_id: [bad], second.item_id: ["4"]}, form.blank_answers())
    error = caught.value
    assert isinstance(error, InvalidResponse)
    assert error.invalid == (first.item_id,)
    assert error.number == 2
    assert error.answers.codes[second.position] == 4
    assert error.answers.codes[first.position] == BLANK


def test_two_different_values_for_one_question_are_refused() -> None:
    form = build_form(default_framework(), Relation.peer)
    page = form.page(1)
    question = page.questions[0]
    with pytest.raises(PageInvalid):
        read_page(form, page, {question.item_id: ["2", "3"]}, form.blank_answers())
    same = read_page(form, page, {question.item_id: ["3", "3"]}, form.blank_answers())
    assert same.codes[question.position] == 3


def test_comments_are_cleaned_and_bounded() -> None:
    form = build_form(default_framework(), Relation.peer)
    page = form.pages[-1]
    answers = read_page(
        form,
        page,
        {"comment_strengths": ["  Listens.\r\nActs.\x00 "], "comment_suggestions": ["   "]},
        form.blank_answers(),
    )
    assert answers.comments == {"comment_strengths": "Listens.\nActs."}
    with pytest.raises(PageInvalid) as caught:
        read_page(
            form,
            page,
            {"comment_strengths": ["Listens."], "comment_suggestions": ["x" * 4001]},
            answers,
        )
    assert caught.value.invalid == ("comment_suggestions",)
    kept = caught.value.answers
    assert kept.comments == {"comment_strengths": "Listens.", "comment_suggestions": "x" * 4001}
    assert COMMENT_MAX_CHARS == 4000
    assert clean_comment("\x07") is None


def test_pages_outside_the_form_are_not_found() -> None:
    form = build_form(default_framework(), Relation.peer)
    for number in (0, len(form.pages) + 1):
        with pytest.raises(NotFound):
            form.page(number)


def test_navigation_between_pages() -> None:
    form = build_form(default_framework(), Relation.peer)
    last = len(form.pages)
    assert destination(form, 1, "back") == 0
    assert destination(form, 1, "next") == 2
    assert destination(form, 1, "anything") == 2
    assert destination(form, 3, "review") == "review"
    assert destination(form, last, "next") == "review"


def test_progress_and_resume() -> None:
    form = build_form(default_framework(), Relation.peer)
    answers = form.blank_answers()
    assert form.resume_page(answers) == 1
    first = form.page(1)
    codes = list(answers.codes)
    for question in first.questions:
        codes[question.position] = NOT_OBSERVED
    answers = Answers(tuple(codes))
    progress = form.progress(answers, 2)
    assert (progress.page, progress.pages) == (2, len(form.pages))
    assert (progress.answered, progress.questions) == (len(first.questions), len(form.questions))
    assert form.resume_page(answers) == 2


def test_packed_codes_round_trip_as_int8() -> None:
    answers = Answers((1, 5, BLANK, NOT_OBSERVED))
    assert list(answers.packed()) == [1, 5, 255, 254]
    import numpy as np

    assert np.frombuffer(answers.packed(), dtype=np.int8).tolist() == [1, 5, -1, -2]
