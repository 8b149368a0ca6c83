"""The console's views of a review's roster: people, organisations, sites, forms, progress.

Every listing is one page of plain rows plus the total, in a stable order, so that pages
never overlap. Text search is a case-insensitive substring match with the user's ``%``
and ``_`` escaped, so they match themselves. Progress is counted by the database in a few
grouped queries, never per row: a large wave has 100,000 forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, delete, func, or_, select
from sqlalchemy.orm import Session, aliased

from colead.store.schema import Assignment, Organisation, Person, Response, Review, Site, Wave

#: how progress can be broken down: by the ratee's organisation or site, or by relation
Breakdown = Literal["organisation", "site", "relation"]
#: the state of a form: no answer saved, a saved draft, or submitted
FormStatus = Literal["not_started", "in_progress", "submitted"]
FORM_STATUSES: tuple[FormStatus, ...] = ("not_started", "in_progress", "submitted")

_LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character itself escaped."""
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


def _contains_any(text: str, *columns: Any) -> ColumnElement[bool]:
    pattern = f"%{escape_like(text)}%"
    return or_(*(column.ilike(pattern, escape=_LIKE_ESCAPE) for column in columns))


def _count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


# --- reviews ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    name: str
    description: str | None
    waves: int
    people: int


def review_rows(session: Session) -> list[ReviewRow]:
    """Every review by name, with its numbers of waves and people."""
    waves = select(func.count(Wave.id)).where(Wave.review_id == Review.id).scalar_subquery()
    people = select(func.count(Person.id)).where(Person.review_id == Review.id).scalar_subquery()
    rows = session.execute(
        select(Review.name, Review.description, waves, people).order_by(Review.name)
    )
    return [ReviewRow(name, text, int(w), int(p)) for name, text, w, p in rows]


# --- people -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    external_id: str
    name: str
    email: str | None
    organisation: str
    site: str
    level: int
    role_title: str | None
    manager_id: str | None


def people_page(
    session: Session, review_id: int, search: str, limit: int, offset: int
) -> tuple[list[PersonRow], int]:
    """One page of the review's people by id, matching ``search`` (empty: everyone)."""
    manager = aliased(Person)
    query = (
        select(
            Person.external_id,
            Person.name,
            Person.email,
            Organisation.name,
            Site.name,
            Person.level,
            Person.role_title,
            manager.external_id,
        )
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(Site, Site.id == Person.site_id)
        .outerjoin(manager, manager.id == Person.manager_id)
        .where(Person.review_id == review_id)
        .order_by(Person.external_id)
    )
    if search:
        query = query.where(
            _contains_any(search, Person.external_id, Person.name, Person.email)
            | _contains_any(search, Organisation.name, Site.name)
        )
    total = _count(session, query)
    rows = session.execute(query.limit(limit).offset(offset))
    return [PersonRow(*row) for row in rows], total


def person_keys(session: Session, review_id: int, external_ids: list[str]) -> dict[str, int]:
    """External id -> primary key of those of ``external_ids`` who are in the review."""
    rows = session.execute(
        select(Person.external_id, Person.id).where(
            Person.review_id == review_id, Person.external_id.in_(external_ids)
        )
    )
    return {external: key for external, key in rows}


# --- organisations and sites --------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """An organisation (with its role) or a site (with its region) and its head count."""

    name: str
    detail: str | None
    people: int


def organisation_rows(session: Session, review_id: int) -> list[GroupRow]:
    query = (
        select(Organisation.name, Organisation.role, func.count(Person.id))
        .outerjoin(Person, Person.organisation_id == Organisation.id)
        .where(Organisation.review_id == review_id)
        .group_by(Organisation.id, Organisation.name, Organisation.role)
        .order_by(Organisation.name)
    )
    return [GroupRow(name, role, int(people)) for name, role, people in session.execute(query)]


def site_rows(session: Session, review_id: int) -> list[GroupRow]:
    query = (
        select(Site.name, Site.region, func.count(Person.id))
        .outerjoin(Person, Person.site_id == Site.id)
        .where(Site.review_id == review_id)
        .group_by(Site.id, Site.name, Site.region)
        .order_by(Site.name)
    )
    return [GroupRow(name, region, int(people)) for name, region, people in session.execute(query)]


# --- progress ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormCounts:
    """Forms of one group: all of them, submitted ones, and saved drafts."""

    group: str
    forms: int
    submitted: int
    in_progress: int


def form_counts(session: Session, wave_id: int, by: Breakdown | None = None) -> list[FormCounts]:
    """The wave's forms counted in one grouped query, overall (``by`` None) or per group."""
    draft = case((Response.id.is_not(None) & Response.submitted_at.is_(None), 1), else_=0)
    measures = (
        func.count(Assignment.id),
        func.count(Response.submitted_at),
        func.coalesce(func.sum(draft), 0),
    )
    ratee = aliased(Person)
    group: Any
    if by is None:
        query = select(*measures)
        group = None
    elif by == "relation":
        group = Assignment.relation
        query = select(group, *measures)
    elif by == "organisation":
        group = Organisation.name
        query = (
            select(group, *measures)
            .join(ratee, ratee.id == Assignment.ratee_id)
            .join(Organisation, Organisation.id == ratee.organisation_id)
        )
    else:
        group = Site.name
        query = (
            select(group, *measures)
            .join(ratee, ratee.id == Assignment.ratee_id)
            .join(Site, Site.id == ratee.site_id)
        )
    query = query.select_from(Assignment).outerjoin(
        Response, Response.assignment_id == Assignment.id
    )
    query = query.where(Assignment.wave_id == wave_id)
    if group is None:
        forms, submitted, drafts = session.execute(query).one()
        return [FormCounts("all", int(forms), int(submitted), int(drafts))]
    query = query.group_by(group)
    return [
        FormCounts(str(name), int(forms), int(submitted), int(drafts))
        for name, forms, submitted, drafts in session.execute(query)
    ]


# --- forms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    id: int
    rater_id: str
    rater_name: str
    ratee_id: str
    ratee_name: str
    relation: str
    status: FormStatus


def _status_of(has_response: bool, submitted: bool) -> FormStatus:
    if submitted:
        return "submitted"
    return "in_progress" if has_response else "not_started"


def forms_page(
    session: Session,
    wave_id: int,
    *,
    status: FormStatus | None,
    relation: str | None,
    search: str,
    limit: int,
    offset: int,
) -> tuple[list[FormRow], int]:
    """One page of the wave's forms, ordered by rater and ratee, with the filters applied.

    No form's time of change is given: watching one form change while the results change
    would tie an answer to its rater.
    """
    rater = aliased(Person)
    ratee = aliased(Person)
    query = (
        select(
            Assignment.id,
            rater.external_id,
            rater.name,
            ratee.external_id,
            ratee.name,
            Assignment.relation,
            Response.id.is_not(None),
            Response.submitted_at.is_not(None),
        )
        .join(rater, rater.id == Assignment.rater_id)
        .join(ratee, ratee.id == Assignment.ratee_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Assignment.wave_id == wave_id)
        .order_by(rater.name, rater.external_id, ratee.name, Assignment.id)
    )
    if status == "submitted":
        query = query.where(Response.submitted_at.is_not(None))
    elif status == "in_progress":
        query = query.where(Response.id.is_not(None), Response.submitted_at.is_(None))
    elif status == "not_started":
        query = query.where(Response.id.is_(None))
    if relation:
        query = query.where(Assignment.relation == relation)
    if search:
        query = query.where(
            _contains_any(search, rater.external_id, rater.name, ratee.external_id, ratee.name)
        )
    total = _count(session, query)
    rows = session.execute(query.limit(limit).offset(offset))
    return [
        FormRow(
            ident,
            rater_id,
            rater_name,
            ratee_id,
            ratee_name,
            form_relation,
            _status_of(bool(answered), bool(submitted)),
        )
        for (
            ident,
            rater_id,
            rater_name,
            ratee_id,
            ratee_name,
            form_relation,
            answered,
            submitted,
        ) in rows
    ], total


def find_form(session: Session, wave_id: int, ratee_key: int, rater_key: int) -> int | None:
    """The id of the wave's form of this rater about this ratee, if there is one."""
    return session.scalar(
        select(Assignment.id).where(
            Assignment.wave_id == wave_id,
            Assignment.ratee_id == ratee_key,
            Assignment.rater_id == rater_key,
        )
    )


@dataclass(frozen=True)
class StoredForm:
    id: int
    rater_id: str
    ratee_id: str
    relation: str
    has_response: bool


def stored_form(session: Session, wave_id: int, form_id: int) -> StoredForm | None:
    rater = aliased(Person)
    ratee = aliased(Person)
    row = session.execute(
        select(
            Assignment.id,
            rater.external_id,
            ratee.external_id,
            Assignment.relation,
            Response.id.is_not(None),
        )
        .join(rater, rater.id == Assignment.rater_id)
        .join(ratee, ratee.id == Assignment.ratee_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Assignment.wave_id == wave_id, Assignment.id == form_id)
    ).one_or_none()
    if row is None:
        return None
    ident, rater_id, ratee_id, relation, answered = row
    return StoredForm(ident, rater_id, ratee_id, relation, bool(answered))


def delete_form(session: Session, form_id: int) -> None:
    session.execute(delete(Assignment).where(Assignment.id == form_id))
