"""The rater survey: which page asks what, reading a posted page, progress, and the jobs
behind the pages (open a form by its link, save a page, submit).

A form has a welcome page (not numbered), one numbered page per scale that the rater's
relation rates, a numbered page of open comments, a review page and a thank-you page.
Observers rate the person's behaviour (families that rate a person, observer wording);
the person rates themself with each item's ``self_text`` and, on the same self form, their
own site (families that rate a site), as the data model lays out.

No SQL and no HTML here: the store reads and writes, the web layer renders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from colead.domain import BLANK, NOT_OBSERVED, Relation, WaveStatus
from colead.errors import InvalidResponse, NotFound, WaveClosed
from colead.framework import Framework, RatedUnit
from colead.store import transaction
from colead.store.engine import writer_turn
from colead.store.reviews import load_framework_version
from colead.store.survey import SurveyRecord, find_survey, save_answers, unknown_link
from colead.store.waves import hash_token

#: form value of the "not observed" choice (scale points post their number)
NOT_OBSERVED_VALUE = "na"
#: the response table's comment columns; a framework's first two questions fill them
COMMENT_COLUMNS = ("comment_strengths", "comment_suggestions")
COMMENT_MAX_CHARS = 4000
#: survey tokens are URL-safe base64 (see ``colead.store.waves.new_token``)
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

About = Literal["person", "site", "comments"]
Action = Literal["next", "back", "review"]


class PageInvalid(InvalidResponse):
    """A posted page holds answers that are not among those offered.

    ``answers`` are the form's answers with every readable answer of the page applied (the
    unreadable ones blank), so the page can be shown again without losing anything.
    """

    def __init__(self, number: int, answers: Answers, invalid: tuple[str, ...]) -> None:
        super().__init__(
            "Some answers on this page could not be read.",
            "Choose one of the answers offered for each question marked, or leave it blank.",
        )
        self.number = number
        self.answers = answers
        self.invalid = invalid


class NothingAnswered(InvalidResponse):
    code = "nothing_answered"


class SurveyClosed(WaveClosed):
    """The wave has closed: answers can no longer be given or changed."""

    def __init__(self, submitted: bool) -> None:
        super().__init__(
            "This survey has closed, so answers can no longer be given or changed.",
            "Your answers were received before it closed. Thank you."
            if submitted
            else "Ask the person who sent the invitation if you think this is a mistake.",
        )
        self.submitted = submitted


class SurveyNotOpen(WaveClosed):
    """The wave is still being prepared and takes no answers yet."""

    code = "wave_not_open"


class AnswersPublished(WaveClosed):
    """The form's answers were published when the wave closed earlier: they stay as they are.

    A reopened wave takes new forms, but changing a published one would let anyone who
    compares the results before and after work out what this rater changed.
    """

    code = "answers_published"

    def __init__(self) -> None:
        super().__init__(
            "Your answers were counted when this survey closed earlier, so they can no "
            "longer be changed.",
            "Thank you: nothing more is needed from you for this form.",
        )


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    code: int


@dataclass(frozen=True)
class Question:
    item_id: str
    #: index of the item in the framework's item order (the packed vector's order)
    position: int
    text: str


@dataclass(frozen=True)
class CommentField:
    #: form field name and response column
    name: str
    prompt: str


@dataclass(frozen=True)
class Page:
    number: int
    title: str
    description: str | None
    about: About
    questions: tuple[Question, ...] = ()
    comments: tuple[CommentField, ...] = ()


@dataclass(frozen=True)
class Answers:
    """A form's answers: item codes in framework order and the comments by column."""

    codes: tuple[int, ...]
    comments: Mapping[str, str] = field(default_factory=dict)
    submitted_at: datetime | None = None

    def packed(self) -> bytes:
        return bytes(code & 0xFF for code in self.codes)

    def value(self, question: Question) -> str:
        """The form value of the question's answer ('' when unanswered)."""
        code = self.codes[question.position]
        if code == NOT_OBSERVED:
            return NOT_OBSERVED_VALUE
        return "" if code == BLANK else str(code)

    def comment(self, name: str) -> str:
        return self.comments.get(name, "")


@dataclass(frozen=True)
class Progress:
    page: int
    pages: int
    answered: int
    questions: int


@dataclass(frozen=True)
class SurveyForm:
    relation: Relation
    pages: tuple[Page, ...]
    choices: tuple[Choice, ...]
    item_count: int

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for page in self.pages for q in page.questions)

    @cached_property
    def codes_by_value(self) -> Mapping[str, int]:
        """The stored code of each value a question's answer may post."""
        return {choice.value: choice.code for choice in self.choices}

    def page(self, number: int) -> Page:
        if not 1 <= number <= len(self.pages):
            raise NotFound(f"This survey has no page {number}.", "Start again from the link.")
        return self.pages[number - 1]

    def label(self, code: int) -> str | None:
        """Label of a stored code; None for an unanswered question."""
        return next((c.label for c in self.choices if c.code == code), None)

    def answered(self, answers: Answers) -> int:
        return sum(answers.codes[q.position] != BLANK for q in self.questions)

    def progress(self, answers: Answers, number: int) -> Progress:
        questions = len(self.questions)
        return Progress(number, len(self.pages), self.answered(answers), questions)

    def resume_page(self, answers: Answers) -> int | None:
        """The first page with an unanswered question (None when every one is answered)."""
        for page in self.pages:
            if any(answers.codes[q.position] == BLANK for q in page.questions):
                return page.number
        return None

    def blank_answers(self) -> Answers:
        return Answers(codes=(BLANK,) * self.item_count)


def build_form(framework: Framework, relation: Relation) -> SurveyForm:
    """The pages of the form a rater in ``relation`` fills in."""
    is_self = relation is Relation.self
    pages: list[Page] = []
    position = 0
    for family in framework.families:
        asked = family.rates is RatedUnit.person or is_self
        for scale in family.scales:
            questions = []
            for item in scale.items:
                text = item.self_text if is_self and item.self_text else item.text
                questions.append(Question(item.id, position, text))
                position += 1
            if asked:
                about: About = "person" if family.rates is RatedUnit.person else "site"
                pages.append(
                    Page(len(pages) + 1, scale.title, scale.description, about, tuple(questions))
                )
    comments = tuple(
        CommentField(
            _comment_column(framework, k, question.id),
            question.self_prompt if is_self and question.self_prompt else question.prompt,
        )
        for k, question in enumerate(framework.comments[: len(COMMENT_COLUMNS)])
    )
    if comments:
        pages.append(Page(len(pages) + 1, "Comments", None, "comments", comments=comments))
    points = framework.response_scale
    choices = [Choice(str(p.value), p.label, p.value) for p in points.points]
    choices.append(Choice(NOT_OBSERVED_VALUE, points.not_observed_label, NOT_OBSERVED))
    return SurveyForm(relation, tuple(pages), tuple(choices), len(framework.item_ids))


def _comment_column(framework: Framework, index: int, question_id: str) -> str:
    ids = [q.id for q in framework.comments[: len(COMMENT_COLUMNS)]]
    if set(ids) <= set(COMMENT_COLUMNS):
        return question_id
    return COMMENT_COLUMNS[index]


def read_page(
    form: SurveyForm, page: Page, fields: Mapping[str, Sequence[str]], answers: Answers
) -> Answers:
    """The form's answers with the posted page applied.

    Each question takes one of the offered values, the "not observed" value, or nothing
    (blank); each comment is free text of at most ``COMMENT_MAX_CHARS`` characters.
    Fields that are not questions of the page are ignored.

    Raises
    ------
    PageInvalid
        when any answer is something else; it carries every readable answer.
    """
    codes = list(answers.codes)
    comments = dict(answers.comments)
    invalid: list[str] = []
    by_value = form.codes_by_value
    for question in page.questions:
        given = {value.strip() for value in fields.get(question.item_id, ())} - {""}
        code = by_value.get(given.pop()) if len(given) == 1 else (BLANK if not given else None)
        if code is None:
            invalid.append(question.item_id)
            code = BLANK
        codes[question.position] = code
    for comment in page.comments:
        posted = [value for value in fields.get(comment.name, ()) if value.strip()]
        text = clean_comment(posted[0]) if len(posted) == 1 else None
        if len(posted) > 1 or (text is not None and len(text) > COMMENT_MAX_CHARS):
            invalid.append(comment.name)
        if text:
            comments[comment.name] = text
        else:
            comments.pop(comment.name, None)
    result = Answers(tuple(codes), comments, answers.submitted_at)
    if invalid:
        raise PageInvalid(page.number, result, tuple(invalid))
    return result


def clean_comment(text: str) -> str | None:
    """Comment text as stored: line breaks kept, other control characters dropped."""
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return cleaned or None


def destination(form: SurveyForm, number: int, action: str) -> int | Literal["review"]:
    """Where a saved page leads: a page number (0 is the welcome page) or the review."""
    if action == "back":
        return number - 1
    if action == "review" or number >= len(form.pages):
        return "review"
    return number + 1


@dataclass(frozen=True)
class Survey:
    """One rater's form as its pages show it."""

    record: SurveyRecord
    form: SurveyForm
    answers: Answers
    #: the anonymity minimum promised on the welcome page
    minimum: int

    @property
    def relation(self) -> Relation:
        return self.form.relation

    @property
    def status(self) -> WaveStatus:
        return WaveStatus(self.record.wave_status)

    @property
    def submitted(self) -> bool:
        return self.answers.submitted_at is not None

    def require_open(self) -> None:
        """Raise unless the wave takes answers for this form now."""
        if self.status is WaveStatus.closed:
            raise SurveyClosed(self.submitted)
        if self.record.released_at is not None:
            raise AnswersPublished()
        if self.status is WaveStatus.draft:
            raise SurveyNotOpen(
                "This survey is not open yet.",
                "Use the link again once the invitation says the survey has opened.",
            )


class SurveyService:
    """The survey's jobs on one database. Keeps nothing between calls but the framework
    versions it has read and the forms built from them, which never change once stored."""

    def __init__(self, engine: Engine, minimum: int) -> None:
        self._engine = engine
        self._minimum = minimum
        self._forms: dict[tuple[int, Relation], SurveyForm] = {}

    def open(self, token: str) -> Survey:
        """The form behind a survey link (any wave status; see ``Survey.require_open``).

        Raises
        ------
        UnknownRater
            for every link that matches no form.
        """
        with transaction(self._engine) as session:
            return self._survey(session, find_survey(session, _token_hash(token)))

    def save_page(
        self, token: str, number: int, fields: Mapping[str, Sequence[str]], action: str
    ) -> int | Literal["review"]:
        """Store a posted page as the form's draft and say where the rater goes next."""
        with writer_turn(self._engine), transaction(self._engine) as session:
            survey = self._survey(
                session, find_survey(session, _token_hash(token), for_update=True)
            )
            survey.require_open()
            answers = read_page(survey.form, survey.form.page(number), fields, survey.answers)
            if survey.submitted and not survey.form.answered(answers) and not answers.comments:
                # A submitted form is counted; one with nothing in it would count as nothing.
                raise NothingAnswered(
                    "A submitted form keeps at least one answer.",
                    "Answer at least one question on this form; your other answers are kept.",
                )
            self._store(session, survey, answers, submit=False)
        return destination(survey.form, number, action)

    def submit(self, token: str) -> None:
        """Submit the form (again, after edits, until the wave closes)."""
        with writer_turn(self._engine), transaction(self._engine) as session:
            survey = self._survey(
                session, find_survey(session, _token_hash(token), for_update=True)
            )
            survey.require_open()
            if not survey.form.answered(survey.answers) and not survey.answers.comments:
                raise NothingAnswered(
                    "Nothing has been answered yet.", "Answer at least one question, then submit."
                )
            self._store(session, survey, survey.answers, submit=True)

    def _store(self, session: Session, survey: Survey, answers: Answers, *, submit: bool) -> None:
        save_answers(
            session,
            survey.record.assignment_id,
            survey.record.framework_version_id,
            answers.packed(),
            answers.comments.get(COMMENT_COLUMNS[0]),
            answers.comments.get(COMMENT_COLUMNS[1]),
            submit=submit,
        )

    def _survey(self, session: Session, record: SurveyRecord) -> Survey:
        key = (record.framework_version_id, Relation(record.relation))
        form = self._forms.get(key)
        if form is None:
            # Two threads may build the same form at once; both results are equal.
            framework = load_framework_version(session, record.framework_version_id)
            form = self._forms[key] = build_form(framework, key[1])
        return Survey(record, form, _stored_answers(form, record), self._minimum)


def _token_hash(token: str) -> str:
    if not _TOKEN_SHAPE.fullmatch(token):
        raise unknown_link()
    return hash_token(token)


def _stored_answers(form: SurveyForm, record: SurveyRecord) -> Answers:
    if record.codes is None or len(record.codes) != form.item_count:
        return form.blank_answers()
    codes = tuple(byte - 256 if byte > 127 else byte for byte in record.codes)
    comments = {
        name: text
        for name, text in zip(
            COMMENT_COLUMNS, (record.comment_strengths, record.comment_suggestions), strict=True
        )
        if text
    }
    return Answers(codes, comments, record.submitted_at)
