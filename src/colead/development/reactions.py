"""Kirkpatrick level 1: a short reaction questionnaire for the people of a programme.

Each enrolled person gets a personal link (``/r/<token>``) to one page of questions on a
1–5 agreement scale and one optional comment. As with survey links, the token has 256
random bits and only its SHA-256 is stored: a link can be handed out only when it is made,
and making it again (a reminder) replaces it, so the earlier link stops working.

**One answer per link.** A questionnaire, once submitted, is final: a second submission is
refused (:class:`ReactionAlreadySubmitted`) and the stored answers stay as they are.
Reaction is asked once, right after the programme, and a programme has no "collection
closed" state to end a period of editing; a link that cannot overwrite also makes a
replayed or forwarded form harmless.

Results are shown only as aggregates of at least the anonymity minimum
(:mod:`colead.analysis.reaction`). Invitations and reminders are e-mailed by
:mod:`colead.development.reaction_mail`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from colead.analysis.reaction import ReactionSummary, summarise_reaction
from colead.development.programmes import programme_in
from colead.errors import Conflict, InvalidData, InvalidResponse, NotFound
from colead.fieldwork.survey import clean_comment
from colead.store.reactions import (
    ReactionRecord,
    ReactionTarget,
    find_reaction,
    reaction_targets,
    release_reactions,
    save_reaction,
    set_reaction_links,
    submitted_reactions,
    unreleased_reactions,
)
from colead.store.reviews import audit, get_review
from colead.store.schema import Programme, Review, utcnow
from colead.store.survey import unknown_link
from colead.store.waves import hash_token, new_token

__all__ = [
    "COMMENT_MAX_CHARS",
    "COMMENT_PROMPT",
    "FAVOURABLE_FROM",
    "ITEMS",
    "SCALE",
    "Audience",
    "ReactionAlreadySubmitted",
    "ReactionInvalid",
    "ReactionItem",
    "ReactionPerson",
    "ReactionReport",
    "ReactionStatus",
    "create_reaction_links",
    "in_audience",
    "open_reaction",
    "programme_of",
    "reaction_status",
    "reaction_summary",
    "reaction_url",
    "record_reactions_bulk",
    "submit_reaction",
    "validate_answers",
]


# --- the questionnaire ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReactionItem:
    """One statement rated on the agreement scale. The id never changes meaning."""

    id: str
    text: str


#: The questions, in the order asked. Our own wording; a changed meaning is a new id.
ITEMS: tuple[ReactionItem, ...] = (
    ReactionItem("relevance", "The programme was relevant to my role."),
    ReactionItem("apply", "I will use what I learnt in my work within the next three months."),
    ReactionItem(
        "partner", "The programme will help me work better with the partner organisation."
    ),
    ReactionItem("facilitation", "The facilitators helped me learn."),
    ReactionItem("satisfaction", "Overall, I am satisfied with the programme."),
    ReactionItem("recommend", "I would recommend the programme to a colleague."),
)
#: The agreement scale: value and label.
SCALE: tuple[tuple[int, str], ...] = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)
#: answers at or above this count as favourable
FAVOURABLE_FROM = 4
COMMENT_PROMPT = "Is there anything else you would like to tell us about the programme?"
COMMENT_MAX_CHARS = 4000

Audience = Literal["completed", "all"]
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_ITEM_IDS = tuple(item.id for item in ITEMS)
_VALUES = {str(value): value for value, _ in SCALE}


class ReactionInvalid(InvalidResponse):
    """Posted answers that cannot be stored; ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        described = "; ".join(f"{field}: {reason}" for field, reason in self.problems.items())
        super().__init__(
            f"The answers could not be stored ({described}).",
            "Choose one of the five answers for every statement.",
        )


class ReactionAlreadySubmitted(Conflict):
    """A second submission of a questionnaire: the first one stands."""

    code = "already_submitted"

    def __init__(self) -> None:
        super().__init__(
            "This questionnaire has already been answered.",
            "Each link takes one set of answers; the ones given first are kept.",
        )


def validate_answers(raw: Mapping[str, object]) -> dict[str, int]:
    """Every item's answer as a whole number on the scale, in questionnaire order.

    Answers may be numbers or their text (as posted by a form). Every item must be
    answered once; an unknown item id, a value off the scale, a yes/no or a list of values
    is refused with :class:`ReactionInvalid` naming each problem.
    """
    problems: dict[str, str] = {}
    for key in raw:
        if key not in _ITEM_IDS:
            problems[str(key)[:60]] = "not a question of this questionnaire"
    answers: dict[str, int] = {}
    for item in ITEMS:
        if item.id not in raw or raw[item.id] in (None, ""):
            problems[item.id] = "no answer"
            continue
        value = _scale_value(raw[item.id])
        if value is None:
            problems[item.id] = f"not one of the answers 1 to {len(SCALE)}"
        else:
            answers[item.id] = value
    if problems:
        raise ReactionInvalid(problems)
    return answers


def _scale_value(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return int(number) if number.is_integer() and str(int(number)) in _VALUES else None
    if isinstance(value, str):
        return _VALUES.get(value.strip())
    return None


def _comment(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = clean_comment(text)
    if cleaned is not None and len(cleaned) > COMMENT_MAX_CHARS:
        raise ReactionInvalid(
            {"comment": f"longer than {COMMENT_MAX_CHARS} characters ({len(cleaned)})"}
        )
    return cleaned


def reaction_url(base_url: str, token: str) -> str:
    """The address of a reaction token's questionnaire."""
    return f"{base_url.rstrip('/')}/r/{token}"


# --- the programme and its people ------------------------------------------------------------


def programme_of(session: Session, review_name: str, name: str) -> tuple[Review, Programme]:
    """The review and its programme called ``name``; NotFound names the known ones."""
    review = get_review(session, review_name)
    return review, programme_in(session, review, name)


def in_audience(target: ReactionTarget, audience: Audience) -> bool:
    if audience not in ("completed", "all"):
        raise InvalidData(f"Unknown audience {audience!r}.", "Choose completed or all.")
    return audience == "all" or target.completed


def create_reaction_links(
    session: Session,
    review_name: str,
    programme_name: str,
    *,
    audience: Audience = "completed",
    actor: str,
) -> dict[str, str]:
    """A fresh link for each enrolled person (who completed, or all) not yet answered.

    Returns person id -> token; links made earlier for them stop working.
    """
    review, programme = programme_of(session, review_name, programme_name)
    chosen = [
        t
        for t in reaction_targets(session, programme.id)
        if in_audience(t, audience) and t.submitted_at is None
    ]
    tokens = {t.external_id: new_token() for t in chosen}
    set_reaction_links(
        session, {t.enrolment_id: hash_token(tokens[t.external_id]) for t in chosen}, None
    )
    audit(
        session,
        actor,
        "create_reaction_links",
        "programme",
        programme.id,
        review_id=review.id,
        programme=programme.name,
        audience=audience,
        people=sorted(tokens),
    )
    return tokens


# --- the questionnaire page --------------------------------------------------------------------


def _record(session: Session, token: str, *, for_update: bool = False) -> ReactionRecord:
    if not _TOKEN_SHAPE.fullmatch(token):
        raise unknown_link()
    found = find_reaction(session, hash_token(token), for_update=for_update)
    if found is None:
        raise unknown_link()
    return found


def open_reaction(session: Session, token: str) -> ReactionRecord:
    """The questionnaire behind a link; the survey's one "link does not work" error when
    none is, so reaction links cannot be told from other links by probing."""
    return _record(session, token)


def submit_reaction(
    session: Session,
    token: str,
    answers: Mapping[str, object],
    comment: str | None = None,
    *,
    minimum: int,
) -> ReactionRecord:
    """Check and store the answers of the questionnaire behind ``token``.

    The answers join the programme's published summary in batches of at least ``minimum``
    (:func:`colead.store.reactions.release_reactions`): a summary that moved with every
    answer would give each new answer away as the difference.

    Raises ReactionAlreadySubmitted when the questionnaire was submitted before (whatever
    the new answers), and ReactionInvalid (nothing stored) for answers that break the rules
    of :func:`validate_answers` or a comment that is too long.
    """
    record = _record(session, token, for_update=True)
    if record.submitted_at is not None:
        raise ReactionAlreadySubmitted()
    checked = validate_answers(answers)
    text = _comment(comment)
    # Like survey answers, a submission is not written to the audit log: an entry per
    # person would sit beside the answers' time and help attribute them.
    now = utcnow()
    save_reaction(session, record.id, checked, text, now)
    release_reactions(session, record.programme_id, minimum, now)
    return open_reaction(session, token)


# --- status and summary --------------------------------------------------------------------


@dataclass(frozen=True)
class ReactionPerson:
    person_id: str
    name: str
    email: str | None
    completed: bool
    invited_at: datetime | None
    answered: bool


@dataclass(frozen=True)
class ReactionStatus:
    review: str
    programme: str
    people: tuple[ReactionPerson, ...]

    @property
    def enrolled(self) -> int:
        return len(self.people)

    @property
    def completed(self) -> int:
        return sum(p.completed for p in self.people)

    @property
    def invited(self) -> int:
        return sum(p.invited_at is not None for p in self.people)

    @property
    def answered(self) -> int:
        return sum(p.answered for p in self.people)

    @property
    def waiting(self) -> tuple[ReactionPerson, ...]:
        """Invited, not answered yet: those a reminder goes to."""
        return tuple(p for p in self.people if p.invited_at is not None and not p.answered)

    @property
    def not_invited(self) -> tuple[ReactionPerson, ...]:
        return tuple(p for p in self.people if p.invited_at is None and not p.answered)


def reaction_status(session: Session, review_name: str, programme_name: str) -> ReactionStatus:
    """Who is enrolled, invited and has answered (never what anyone answered)."""
    review, programme = programme_of(session, review_name, programme_name)
    people = tuple(
        ReactionPerson(
            t.external_id,
            t.name,
            t.email,
            t.completed,
            t.invited_at,
            t.submitted_at is not None,
        )
        for t in reaction_targets(session, programme.id)
    )
    return ReactionStatus(review.name, programme.name, people)


@dataclass(frozen=True)
class ReactionReport:
    """A programme's reaction results with the questionnaire they answered."""

    review: str
    programme: str
    enrolled: int
    invited: int
    summary: ReactionSummary
    items: tuple[ReactionItem, ...] = ITEMS
    scale: tuple[tuple[int, str], ...] = SCALE
    #: answers received but not yet in the summary (they join in batches of the minimum)
    waiting: int = 0


def reaction_summary(
    session: Session, review_name: str, programme_name: str, minimum: int
) -> ReactionReport:
    """The programme's published reaction per item and overall, nothing below ``minimum``.

    Only answers released in batches of the minimum count; ``waiting`` says how many more
    have arrived since the last batch.
    """
    status = reaction_status(session, review_name, programme_name)
    _, programme = programme_of(session, review_name, programme_name)
    stored = submitted_reactions(session, programme.id)
    matrix = np.array(
        [[_stored_value(answers.get(item)) for item in _ITEM_IDS] for answers, _ in stored],
        dtype=np.float64,
    ).reshape(len(stored), len(_ITEM_IDS))
    summary = summarise_reaction(
        matrix,
        _ITEM_IDS,
        [comment for _, comment in stored],
        minimum,
        scale_max=len(SCALE),
        favourable_from=FAVOURABLE_FROM,
    )
    return ReactionReport(
        status.review,
        status.programme,
        status.enrolled,
        status.invited,
        summary,
        waiting=unreleased_reactions(session, programme.id),
    )


def _stored_value(value: object) -> float:
    """A stored answer, NaN when missing or not on the scale (it was checked on the way in;
    this only guards against rows written by other means)."""
    checked = _scale_value(value) if value is not None else None
    return float(checked) if checked is not None else float("nan")


# --- many at once ----------------------------------------------------------------------------


def record_reactions_bulk(
    session: Session,
    review: str,
    programme: str,
    answers_by_person: Mapping[str, Mapping[str, object]],
    actor: str,
    comments_by_person: Mapping[str, str | None] | None = None,
    *,
    minimum: int,
) -> int:
    """Store many people's submitted questionnaires at once (e.g. answers from paper
    forms, or simulated ones), through the same checks as the web page.

    Each person id must be enrolled and not have answered yet; links are made for those
    without one. Every person's answers are checked before anything is stored: one bad
    answer stores nothing (ReactionInvalid names the person and the item). Returns how
    many questionnaires were stored.
    """
    review_row, programme_row = programme_of(session, review, programme)
    targets = {t.external_id: t for t in reaction_targets(session, programme_row.id)}
    comments = comments_by_person or {}
    missing = [p for p in answers_by_person if p not in targets]
    if missing:
        raise NotFound(
            f"Not enrolled in {programme_row.name!r}: {', '.join(missing[:20])}.",
            "Enrol them first with `colead programme enrol`.",
        )
    answered = [p for p in answers_by_person if targets[p].submitted_at is not None]
    if answered:
        raise Conflict(
            f"Already answered the reaction questionnaire: {', '.join(answered[:20])}.",
            "Each person answers once; leave them out.",
        )
    checked: dict[str, tuple[dict[str, int], str | None]] = {}
    problems: dict[str, str] = {}
    for person, raw in answers_by_person.items():
        try:
            checked[person] = (validate_answers(raw), _comment(comments.get(person)))
        except ReactionInvalid as invalid:
            problems.update({f"{person} {k}": v for k, v in invalid.problems.items()})
    if problems:
        raise ReactionInvalid(problems)
    without_link = [targets[p] for p in checked if targets[p].reaction_id is None]
    set_reaction_links(
        session, {t.enrolment_id: hash_token(new_token()) for t in without_link}, None
    )
    by_enrolment = {
        t.enrolment_id: t.reaction_id for t in reaction_targets(session, programme_row.id)
    }
    now = utcnow()
    for person, (answers, comment) in checked.items():
        reaction_id = by_enrolment[targets[person].enrolment_id]
        assert reaction_id is not None  # made just above
        save_reaction(session, reaction_id, answers, comment, now)
    release_reactions(session, programme_row.id, minimum, now)
    audit(
        session,
        actor,
        "record_reactions",
        "programme",
        programme_row.id,
        review_id=review_row.id,
        programme=programme_row.name,
        count=len(checked),
    )
    return len(checked)
