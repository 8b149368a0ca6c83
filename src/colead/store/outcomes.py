"""Business outcomes (KPIs) and development programmes of a review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from colead.store.schema import Enrolment, Kpi, Person, Programme, Site, table_of


def replace_kpis(
    session: Session, review_id: int, rows: Sequence[Mapping[str, Any]]
) -> tuple[int, int, int]:
    """Store KPI values; a (site, period, kpi) already present is replaced when it differs.

    Returns (inserted, updated, unchanged).
    """
    if not rows:
        return 0, 0, 0
    current = {
        (site, period, name): (value, better, target)
        for site, period, name, value, better, target in session.execute(
            select(
                Kpi.site_id, Kpi.period, Kpi.name, Kpi.value, Kpi.higher_is_better, Kpi.target
            ).where(Kpi.review_id == review_id)
        )
    }
    fresh, changed = [], []
    for r in rows:
        key = (r["site_id"], r["period"], r["name"])
        if key not in current:
            fresh.append(r)
        elif current[key] != (r["value"], r["higher_is_better"], r["target"]):
            changed.append(r)
    keys = [(r["site_id"], r["period"], r["name"]) for r in changed]
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        session.execute(delete(Kpi).where(tuple_(Kpi.site_id, Kpi.period, Kpi.name).in_(chunk)))
    writes = [*fresh, *changed]
    if writes:
        session.execute(insert(table_of(Kpi)), [{"review_id": review_id} | dict(r) for r in writes])
    return len(fresh), len(changed), len(rows) - len(writes)


def get_or_create_programme(
    session: Session,
    review_id: int,
    name: str,
    provider: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    cost_per_participant: float | None = None,
) -> Programme:
    programme = session.scalars(
        select(Programme).where(Programme.review_id == review_id, Programme.name == name)
    ).one_or_none()
    if programme is None:
        programme = Programme(review_id=review_id, name=name)
        session.add(programme)
    for field, value in (
        ("provider", provider),
        ("start_date", start_date),
        ("end_date", end_date),
        ("cost_per_participant", cost_per_participant),
    ):
        if value is not None:
            setattr(programme, field, value)
    session.flush()
    return programme


def replace_enrolments(
    session: Session, programme_id: int, rows: Sequence[Mapping[str, Any]]
) -> tuple[int, int, int]:
    """Store enrolments; a person already enrolled in the programme is updated when the
    start, end or completion differ. Enrolments of people not in ``rows`` are kept.

    Returns (inserted, updated, unchanged).
    """
    if not rows:
        return 0, 0, 0
    current = {
        person: (start, end, completed)
        for person, start, end, completed in session.execute(
            select(
                Enrolment.person_id,
                Enrolment.start_date,
                Enrolment.end_date,
                Enrolment.completed,
            ).where(Enrolment.programme_id == programme_id)
        )
    }
    fresh, changed = [], []
    for r in rows:
        person = r["person_id"]
        if person not in current:
            fresh.append(r)
        elif current[person] != (r["start_date"], r["end_date"], bool(r["completed"])):
            changed.append(r)
    if changed:
        # Updated in place, not deleted and inserted again: attendance recorded on the
        # command line lives in the same row and must survive a re-import.
        table = table_of(Enrolment)
        session.execute(
            update(table)
            .where(
                table.c.programme_id == bindparam("b_programme"),
                table.c.person_id == bindparam("b_person"),
            )
            .values(
                start_date=bindparam("b_start"),
                end_date=bindparam("b_end"),
                completed=bindparam("b_completed"),
            ),
            [
                {
                    "b_programme": programme_id,
                    "b_person": r["person_id"],
                    "b_start": r["start_date"],
                    "b_end": r["end_date"],
                    "b_completed": bool(r["completed"]),
                }
                for r in changed
            ],
        )
    if fresh:
        session.execute(
            insert(table_of(Enrolment)), [{"programme_id": programme_id} | dict(r) for r in fresh]
        )
    return len(fresh), len(changed), len(rows) - len(fresh) - len(changed)


def kpis_frame(session: Session, review_id: int) -> pd.DataFrame:
    """``site, period, kpi, value, higher_is_better, target`` of a review."""
    rows = session.execute(
        select(Site.name, Kpi.period, Kpi.name, Kpi.value, Kpi.higher_is_better, Kpi.target)
        .join(Site, Site.id == Kpi.site_id)
        .where(Kpi.review_id == review_id)
        .order_by(Site.name, Kpi.name, Kpi.period)
    ).all()
    columns = ["site", "period", "kpi", "value", "higher_is_better", "target"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def enrolments_frame(session: Session, review_id: int) -> pd.DataFrame:
    """``person_id, programme, start, end, completed, programme_start, programme_end``."""
    rows = session.execute(
        select(
            Person.external_id,
            Programme.name,
            Enrolment.start_date,
            Enrolment.end_date,
            Enrolment.completed,
            Programme.start_date,
            Programme.end_date,
        )
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Programme.review_id == review_id)
        .order_by(Programme.name, Person.external_id)
    ).all()
    columns = [
        "person_id",
        "programme",
        "start",
        "end",
        "completed",
        "programme_start",
        "programme_end",
    ]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)
