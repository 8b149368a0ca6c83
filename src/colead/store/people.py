"""Organisations, sites and people of a review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from colead.store.schema import Organisation, Person, Site, table_of


def upsert_organisations(
    session: Session, review_id: int, organisations: Mapping[str, str | None]
) -> dict[str, int]:
    """Ensure each organisation (name -> role) exists; returns name -> id for all."""
    return _upsert_named(session, Organisation, "role", review_id, organisations)


def upsert_sites(
    session: Session, review_id: int, sites: Mapping[str, str | None]
) -> dict[str, int]:
    """Ensure each site (name -> region) exists; returns name -> id for all."""
    return _upsert_named(session, Site, "region", review_id, sites)


def _upsert_named(
    session: Session,
    model: type[Organisation] | type[Site],
    attribute: str,
    review_id: int,
    wanted: Mapping[str, str | None],
) -> dict[str, int]:
    # A blank attribute never erases a known one: files often omit optional columns.
    rows: list[Organisation | Site] = list(
        session.scalars(select(model).where(model.review_id == review_id))
    )
    existing = {row.name: row for row in rows}
    for name, value in wanted.items():
        if name not in existing:
            row = model(review_id=review_id, name=name)
            session.add(row)
            existing[name] = row
        if value:
            setattr(existing[name], attribute, value)
    session.flush()
    return {name: row.id for name, row in existing.items()}


def person_ids(
    session: Session, review_id: int, external_ids: Sequence[str] | None = None
) -> dict[str, int]:
    """External id -> database id of every person in the review (or of those named)."""
    query = select(Person.external_id, Person.id).where(Person.review_id == review_id)
    if external_ids is not None:
        query = query.where(Person.external_id.in_(list(external_ids)))
    return {external: ident for external, ident in session.execute(query)}


_PERSON_FIELDS = ("name", "email", "organisation_id", "site_id", "role_title", "level")


def upsert_people(
    session: Session, review_id: int, people: Sequence[Mapping[str, Any]]
) -> tuple[int, int, int]:
    """Insert new people and update changed ones (matched on ``external_id``).

    Each record holds ``external_id``, the fields of ``Person`` and
    ``manager_external_id`` (or None). Managers are linked in a second pass so a file
    may list a person before their manager. Returns (inserted, updated, unchanged).
    """
    columns = [getattr(Person, f) for f in _PERSON_FIELDS]
    current = {
        row[0]: row[1:]
        for row in session.execute(
            select(Person.external_id, *columns, Person.manager_id).where(
                Person.review_id == review_id
            )
        )
    }
    known = person_ids(session, review_id)
    new = [p for p in people if p["external_id"] not in known]
    if new:
        session.execute(
            insert(table_of(Person)),
            [
                {"review_id": review_id, "external_id": p["external_id"]}
                | {f: p.get(f) for f in _PERSON_FIELDS}
                for p in new
            ],
        )
    ids = person_ids(session, review_id)
    changed = []
    unchanged = 0
    for p in people:
        if p["external_id"] not in known:
            continue
        wanted = (
            *(p.get(f) for f in _PERSON_FIELDS),
            ids.get(p.get("manager_external_id") or ""),
        )
        if tuple(current[p["external_id"]]) == wanted:
            unchanged += 1
        else:
            changed.append(p)
    if changed:
        session.execute(
            update(Person),
            [
                {"id": known[p["external_id"]]} | {f: p.get(f) for f in _PERSON_FIELDS}
                for p in changed
            ],
        )
    links = [
        {"id": ids[p["external_id"]], "manager_id": ids.get(p.get("manager_external_id") or "")}
        for p in [*new, *changed]
    ]
    if links:
        session.execute(update(Person), links)
    return len(new), len(changed), unchanged


def people_frame(session: Session, review_id: int) -> pd.DataFrame:
    """People of a review in the canonical column layout (external ids)."""
    manager = Person.__table__.alias("manager")
    person = Person.__table__
    query = (
        select(
            person.c.external_id.label("person_id"),
            person.c.name,
            person.c.email,
            Organisation.name.label("organisation"),
            Organisation.role.label("organisation_role"),
            Site.name.label("site"),
            person.c.role_title,
            person.c.level,
            manager.c.external_id.label("manager_id"),
        )
        .join(Organisation, Organisation.id == person.c.organisation_id)
        .join(Site, Site.id == person.c.site_id)
        .outerjoin(manager, manager.c.id == person.c.manager_id)
        .where(person.c.review_id == review_id)
        .order_by(person.c.external_id)
    )
    rows = [tuple(r) for r in session.connection().execute(query)]
    columns = [
        "person_id",
        "name",
        "email",
        "organisation",
        "organisation_role",
        "site",
        "role_title",
        "level",
        "manager_id",
    ]
    return pd.DataFrame(rows, columns=columns)
