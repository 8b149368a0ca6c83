"""Paged listings of reviews, people, waves and forms, for the JSON API.

Each listing returns one page of plain rows and the total number of rows, with a stable
order so that pages never overlap. Survey tokens and answers are never selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from colead.store.schema import Assignment, Organisation, Person, Response, Review, Site, Wave


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int


def _page(session: Session, query: Select[*tuple[Any, ...]], limit: int, offset: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(limit).offset(offset)).mappings()
    return Page([dict(row) for row in rows], int(total or 0))


def reviews_page(session: Session, limit: int, offset: int) -> Page:
    query = select(Review.name, Review.description, Review.created_at).order_by(Review.name)
    return _page(session, query, limit, offset)


def people_page(session: Session, review_id: int, limit: int, offset: int) -> Page:
    manager = aliased(Person)
    query = (
        select(
            Person.external_id.label("id"),
            Person.name,
            Organisation.name.label("organisation"),
            Organisation.role.label("organisation_role"),
            Site.name.label("site"),
            Person.role_title,
            Person.level,
            manager.external_id.label("manager_id"),
        )
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(Site, Site.id == Person.site_id)
        .outerjoin(manager, manager.id == Person.manager_id)
        .where(Person.review_id == review_id)
        .order_by(Person.external_id)
    )
    return _page(session, query, limit, offset)


def waves_page(session: Session, review_id: int, limit: int, offset: int) -> Page:
    forms = (
        select(
            Assignment.wave_id,
            func.count(Assignment.id).label("assignments"),
            func.count(Response.submitted_at).label("completed"),
        )
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .group_by(Assignment.wave_id)
        .subquery()
    )
    query = (
        select(
            Wave.name,
            Wave.ordinal,
            Wave.status,
            Wave.period,
            Wave.opened_at,
            Wave.closed_at,
            func.coalesce(forms.c.assignments, 0).label("assignments"),
            func.coalesce(forms.c.completed, 0).label("completed"),
        )
        .outerjoin(forms, forms.c.wave_id == Wave.id)
        .where(Wave.review_id == review_id)
        .order_by(Wave.ordinal)
    )
    return _page(session, query, limit, offset)


def assignments_page(session: Session, wave_id: int, limit: int, offset: int) -> Page:
    ratee = aliased(Person)
    rater = aliased(Person)
    query = (
        select(
            ratee.external_id.label("ratee"),
            rater.external_id.label("rater"),
            Assignment.relation,
            Response.submitted_at.is_not(None).label("completed"),
        )
        .join(ratee, ratee.id == Assignment.ratee_id)
        .join(rater, rater.id == Assignment.rater_id)
        .outerjoin(Response, Response.assignment_id == Assignment.id)
        .where(Assignment.wave_id == wave_id)
        .order_by(Assignment.id)
    )
    return _page(session, query, limit, offset)
