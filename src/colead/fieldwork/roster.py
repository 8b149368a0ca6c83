"""A review's roster as the console runs it: reviews, waves, people, forms and progress.

Additions go through the same validation as the file imports (``colead.ingest``), so a
person or a form added by hand obeys the rules of one added by file; an invalid addition
is refused as a whole with the field and the fix named. Every change is written to the
audit log in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import pandas as pd
from sqlalchemy.orm import Session

from colead.domain import Relation, WaveStatus
from colead.errors import AlreadyExists, Conflict, InvalidData, NotFound, WaveClosed
from colead.fieldwork.lifecycle import CreatedWave, create_draft_wave
from colead.framework import Framework
from colead.ingest.people import import_people
from colead.ingest.problems import ImportReport
from colead.ingest.responses import import_nominations
from colead.store import roster as store
from colead.store.reviews import (
    audit,
    find_review,
    get_or_create_review,
    get_review,
    load_framework_version,
)
from colead.store.roster import (
    FORM_STATUSES,
    Breakdown,
    FormRow,
    FormStatus,
    GroupRow,
    PersonRow,
    ReviewRow,
)
from colead.store.schema import Review, Wave
from colead.store.waves import get_wave, list_waves, lock_wave

#: rows on one page of a listing
PAGE_SIZE = 50
#: length limit of a review name in the database
MAX_REVIEW_NAME = 200
#: where additions made by hand say they came from, in import reports and the audit log
CONSOLE_SOURCE = "admin console"

Row = TypeVar("Row")


@dataclass(frozen=True)
class Paged(Generic[Row]):
    """One page of a listing: its rows, the 1-based page number and the total count."""

    rows: list[Row]
    page: int
    total: int
    size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """Position of the first row shown (1-based), 0 when nothing is shown."""
        return (self.page - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _offset(page: int) -> tuple[int, int]:
    page = max(1, page)
    return page, (page - 1) * PAGE_SIZE


# --- reviews and waves -------------------------------------------------------------------


def create_review(
    session: Session, name: str, description: str | None = None, *, actor: str
) -> Review:
    """A new, empty review; AlreadyExists when the name is taken."""
    clean = name.strip()
    if not clean or len(clean) > MAX_REVIEW_NAME:
        raise InvalidData(
            f"{name!r} cannot be a review name.",
            f"Give a name of 1 to {MAX_REVIEW_NAME} characters, e.g. "
            "'Client X - Supplier Y facilities contract'.",
        )
    if find_review(session, clean) is not None:
        raise AlreadyExists(
            f"A review named {clean!r} already exists.", "Choose another name, or open it."
        )
    review, _ = get_or_create_review(
        session, clean, (description or "").strip() or None, actor=actor
    )
    return review


def review_summaries(session: Session) -> list[ReviewRow]:
    """Every review with its numbers of waves and people."""
    return store.review_rows(session)


def add_wave(
    session: Session,
    review_name: str,
    wave_name: str,
    default_framework: Framework,
    *,
    period: str | None = None,
    actor: str,
) -> CreatedWave:
    """A draft wave of an existing review, measured like the review's latest wave.

    A review without waves uses ``default_framework`` (the packaged or configured one).
    """
    review = get_review(session, review_name)
    waves = list_waves(session, review.id)
    framework = (
        load_framework_version(session, waves[-1].framework_version_id)
        if waves
        else default_framework
    )
    return create_draft_wave(
        session, review.name, wave_name, framework, period=period or None, actor=actor
    )


# --- people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPerson:
    """A person as typed into the console's form (all text, validated on adding)."""

    external_id: str
    name: str
    email: str = ""
    organisation: str = ""
    site: str = ""
    level: str = ""
    role_title: str = ""
    manager_id: str = ""


def people(session: Session, review_name: str, search: str = "", page: int = 1) -> Paged[PersonRow]:
    review = get_review(session, review_name)
    page, offset = _offset(page)
    rows, total = store.people_page(session, review.id, search.strip(), PAGE_SIZE, offset)
    return Paged(rows, page, total)


def add_person(session: Session, review_name: str, person: NewPerson, *, actor: str) -> None:
    """Add one person to the review with the rules of the people import.

    Anything the import would only warn about (an unusable e-mail, an unknown manager)
    refuses the whole addition here: a form can simply be corrected and sent again.
    """
    review = get_review(session, review_name)
    external_id = person.external_id.strip()
    if external_id and store.person_keys(session, review.id, [external_id]):
        raise AlreadyExists(
            f"Review {review.name!r} already has a person with id {external_id!r}.",
            "Give the new person another id; to change this person, import the people file.",
        )
    frame = pd.DataFrame(
        [
            {
                "person_id": external_id,
                "name": person.name,
                "email": person.email,
                "organisation": person.organisation,
                "site": person.site,
                "level": person.level,
                "role_title": person.role_title,
                "manager_id": person.manager_id,
            }
        ]
    )
    report = import_people(session, review, frame, CONSOLE_SOURCE, actor=actor)
    _refuse_problems(report)
    key = store.person_keys(session, review.id, [external_id])[external_id]
    audit(session, actor, "create", "person", key, review_id=review.id, person_id=external_id)


def _refuse_problems(report: ImportReport) -> None:
    """InvalidData naming every field with a problem; the caller's transaction then
    rolls back whatever the import had stored."""
    if not report.problems:
        return
    parts = []
    for problem in report.problems:
        shown = (
            "" if problem.value is None or not str(problem.value).strip() else f" ({problem.value})"
        )
        parts.append(f"{_field_label(problem.column)}{shown} {problem.message}.")
    raise InvalidData(" ".join(parts), " ".join(dict.fromkeys(p.hint for p in report.problems)))


_FIELD_LABELS = {
    "person_id": "Person id",
    "rater_id": "Rater id",
    "ratee_id": "Ratee id",
    "manager_id": "Manager id",
    "email": "E-mail",
    "role_title": "Role title",
    "organisation_role": "Organisation role",
}


def _field_label(column: str | None) -> str:
    if column is None:
        return "The form"
    return _FIELD_LABELS.get(column, column.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Groups:
    organisations: list[GroupRow]
    sites: list[GroupRow]


def organisations(session: Session, review_name: str) -> Groups:
    review = get_review(session, review_name)
    return Groups(store.organisation_rows(session, review.id), store.site_rows(session, review.id))


# --- progress ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """Forms of one group and how far their raters got."""

    label: str
    forms: int
    submitted: int
    in_progress: int

    @property
    def not_started(self) -> int:
        return self.forms - self.submitted - self.in_progress

    @property
    def rate(self) -> float:
        """Submitted forms as a percentage of all forms (0 without forms)."""
        return 100.0 * self.submitted / self.forms if self.forms else 0.0


@dataclass(frozen=True)
class Progress:
    wave: str
    status: WaveStatus
    overall: ProgressRow
    #: each breakdown sorted with the lowest response rate first: where reminders help most
    by_organisation: list[ProgressRow]
    by_site: list[ProgressRow]
    by_relation: list[ProgressRow]


def _rows(session: Session, wave_id: int, by: Breakdown) -> list[ProgressRow]:
    counts = store.form_counts(session, wave_id, by)
    label = _relation_label if by == "relation" else str
    rows = [ProgressRow(label(c.group), c.forms, c.submitted, c.in_progress) for c in counts]
    return sorted(rows, key=lambda row: (row.rate, row.label))


def _relation_label(value: str) -> str:
    try:
        return Relation(value).label
    except ValueError:
        return value


def wave_progress(session: Session, review_name: str, wave_name: str) -> Progress:
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    [total] = store.form_counts(session, wave.id)
    return Progress(
        wave=wave.name,
        status=WaveStatus(wave.status),
        overall=ProgressRow("All forms", total.forms, total.submitted, total.in_progress),
        by_organisation=_rows(session, wave.id, "organisation"),
        by_site=_rows(session, wave.id, "site"),
        by_relation=_rows(session, wave.id, "relation"),
    )


# --- forms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormFilter:
    status: str = ""
    relation: str = ""
    search: str = ""


def _checked_filter(chosen: FormFilter) -> tuple[FormStatus | None, str | None]:
    # a lookup rather than a cast, so that the type checker sees only known statuses
    known: dict[str, FormStatus] = {value: value for value in FORM_STATUSES}
    status = known.get(chosen.status)
    if chosen.status and status is None:
        raise InvalidData(
            f"{chosen.status!r} is not a form status.", f"Use one of {', '.join(FORM_STATUSES)}."
        )
    if chosen.relation and chosen.relation not in {r.value for r in Relation}:
        raise InvalidData(
            f"{chosen.relation!r} is not a relation.",
            f"Use one of {', '.join(r.value for r in Relation)}.",
        )
    return status, chosen.relation or None


@dataclass(frozen=True)
class WaveForms:
    wave: str
    status: WaveStatus
    forms: Paged[FormRow]


def wave_forms(
    session: Session, review_name: str, wave_name: str, chosen: FormFilter, page: int = 1
) -> WaveForms:
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    status, relation = _checked_filter(chosen)
    page, offset = _offset(page)
    rows, total = store.forms_page(
        session,
        wave.id,
        status=status,
        relation=relation,
        search=chosen.search.strip(),
        limit=PAGE_SIZE,
        offset=offset,
    )
    return WaveForms(wave.name, WaveStatus(wave.status), Paged(rows, page, total))


def _changeable_wave(session: Session, review_name: str, wave_name: str) -> tuple[Review, Wave]:
    review = get_review(session, review_name)
    wave = get_wave(session, review, wave_name)
    lock_wave(session, wave)
    if wave.status == WaveStatus.closed.value:
        raise WaveClosed(
            f"Wave {wave.name!r} of review {review.name!r} is closed: its forms cannot change.",
            "Reopen the wave on the review page first, if the change is really needed.",
        )
    return review, wave


def add_form(
    session: Session,
    review_name: str,
    wave_name: str,
    *,
    rater_id: str,
    ratee_id: str,
    relation: str,
    actor: str,
) -> int:
    """Ask ``rater_id`` to rate ``ratee_id`` in a draft or open wave; the new form's id.

    The form gets a fresh random token whose hash alone is stored; the rater receives
    their link when the wave's invitations are issued.
    """
    review, wave = _changeable_wave(session, review_name, wave_name)
    rater, ratee = rater_id.strip(), ratee_id.strip()
    keys = store.person_keys(session, review.id, [rater, ratee])
    if rater in keys and ratee in keys:
        existing = store.find_form(session, wave.id, keys[ratee], keys[rater])
        if existing is not None:
            raise AlreadyExists(
                f"Wave {wave.name!r} already has a form of {rater!r} about {ratee!r}.",
                "A rater rates a person once per wave; remove the existing form to change it.",
            )
    frame = pd.DataFrame([{"ratee_id": ratee, "rater_id": rater, "relation": relation}])
    report, _tokens = import_nominations(
        session, review.id, wave, frame, CONSOLE_SOURCE, actor=actor
    )
    _refuse_problems(report)
    form_id = store.find_form(session, wave.id, keys[ratee], keys[rater])
    assert form_id is not None
    audit(
        session,
        actor,
        "create",
        "assignment",
        form_id,
        review_id=review.id,
        wave=wave.name,
        rater_id=rater,
        ratee_id=ratee,
        relation=relation,
    )
    return form_id


def remove_form(
    session: Session, review_name: str, wave_name: str, form_id: int, *, actor: str
) -> None:
    """Remove a form nobody has started; a form with saved or submitted answers stays."""
    review, wave = _changeable_wave(session, review_name, wave_name)
    form = store.stored_form(session, wave.id, form_id)
    if form is None:
        raise NotFound(
            f"Wave {wave.name!r} has no form number {form_id}.",
            "It may have been removed already; reload the list of forms.",
        )
    if form.has_response:
        raise Conflict(
            f"The form of {form.rater_id!r} about {form.ratee_id!r} has answers saved, "
            "so it cannot be removed.",
            "Forms with answers stay, so that no answer is lost; leave it or close the wave.",
        )
    store.delete_form(session, form.id)
    audit(
        session,
        actor,
        "delete",
        "assignment",
        form.id,
        review_id=review.id,
        wave=wave.name,
        rater_id=form.rater_id,
        ratee_id=form.ratee_id,
        relation=form.relation,
    )
