"""A stored review with rows in every table of the first schema, and whole-database snapshots."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from builders import default_framework
from colead.jobs.demo import store_simulation
from colead.simulation.review import SizeSpec, simulate
from colead.store import init_database, open_database, transaction
from colead.store.norms import replace_norm_set
from colead.store.plans import add_action, add_plan
from colead.store.reviews import get_review
from colead.store.schema import Person
from colead.store.waves import get_wave

#: the tables revision 0001 created; a "realistic" early database has rows in each
FIRST_SCHEMA_TABLES = frozenset(
    {
        "audit_log", "framework_version", "norm_set", "review", "norm", "organisation",
        "programme", "site", "wave", "kpi", "person", "assignment", "development_plan",
        "enrolment", "action", "response",
    }
)  # fmt: skip

#: small enough to store in about a second, large enough for every analysis to run
SIZE = SizeSpec(people=80, sites=4, organisations=2, periods=8)

Snapshot = dict[str, list[tuple[Any, ...]]]


def store_populated_review(url: str, seed: int = 3) -> str:
    """Create the schema at ``url`` and store a small simulated review (people, waves,
    forms, KPIs, a programme with enrolments), a norm set and development plans with
    actions. Returns the review's name."""
    framework = default_framework()
    init_database(url)
    engine = open_database(url)
    try:
        stored = store_simulation(engine, simulate(framework, SIZE, seed=seed), framework)
        with transaction(engine) as session:
            _add_norms_and_plans(session, stored.review, seed)
    finally:
        engine.dispose()
    return stored.review


def _add_norms_and_plans(session: Session, review_name: str, seed: int) -> None:
    """Norms for the leadership scales and a plan with two actions for a few people (made
    directly: the analyses that suggest them are tested elsewhere and cost seconds)."""
    norms = [
        {"scale_id": scale.id, "n": 120 + k, "mean": 3.2 + k / 20, "sd": 0.6, "p50": 3.25}
        for k, scale in enumerate(default_framework().families[0].scales)
    ]
    replace_norm_set(session, f"Synthetic norms {seed}", norms, source="test", synthetic=True)
    review = get_review(session, review_name)
    wave = get_wave(session, review)
    people = session.scalars(
        select(Person).where(Person.review_id == review.id).order_by(Person.external_id).limit(4)
    )
    for person in people:
        plan = add_plan(session, person.id, wave.id, notes=f"Plan of {person.external_id}")
        for practice in ("enable", "inspire"):
            add_action(
                session,
                review_id=review.id,
                plan_id=plan.id,
                description=f"Practise {practice} with the partner's team",
                practice_id=practice,
                owner=person.external_id,
                due_date=date(2026, 3, 1),
            )


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, ordered by primary key, as tuples of the columns in name
    order."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: Snapshot = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            columns = sorted(table.columns, key=lambda c: c.name)
            order = list(table.primary_key.columns) or columns
            rows = connection.execute(select(*columns).order_by(*order))
            found[name] = [tuple(row) for row in rows]
    return found
