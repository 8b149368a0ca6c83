"""Factories for test data: small, explicit, built fresh for each test."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colead.analysis import WaveData
from colead.framework import Framework, load_framework
from colead.simulation.review import SimulatedReview, simulate
from colead.simulation.wave_data import simulated_wave_data


@cache
def default_framework() -> Framework:
    # Framework is frozen (immutable), so sharing one parsed copy is safe.
    return load_framework()


def people_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    """A tiny canonical people table: two organisations at one site, plus extra rows."""
    base: list[dict[str, object]] = [
        {"person_id": "C1", "name": "Ana Client", "email": "ana@client.test",
         "organisation": "Client Co", "organisation_role": "client", "site": "North",
         "role_title": "Director", "level": 1, "manager_id": None},
        {"person_id": "C2", "name": "Ben Client", "email": "ben@client.test",
         "organisation": "Client Co", "organisation_role": "client", "site": "North",
         "role_title": "Contract manager", "level": 3, "manager_id": "C1"},
        {"person_id": "S1", "name": "Cy Supplier", "email": "cy@supplier.test",
         "organisation": "Supplier Ltd", "organisation_role": "supplier", "site": "North",
         "role_title": "Site lead", "level": 2, "manager_id": None},
        {"person_id": "S2", "name": "Di Supplier", "email": "di@supplier.test",
         "organisation": "Supplier Ltd", "organisation_role": "supplier", "site": "North",
         "role_title": "Engineer", "level": 5, "manager_id": "S1"},
    ]  # fmt: skip
    return pd.DataFrame(base + (rows or []))


def store_people(session: Any, review_id: int) -> dict[str, int]:
    """The people of :func:`people_frame` stored in a review with the store's own functions
    (no import job); their database ids by person id."""
    from colead.store.people import person_ids, upsert_organisations, upsert_people, upsert_sites

    people = people_frame()
    roles = dict(zip(people["organisation"], people["organisation_role"], strict=True))
    organisations = upsert_organisations(session, review_id, roles)
    sites = upsert_sites(session, review_id, {"North": "Europe"})
    records = [
        {
            "external_id": r.person_id,
            "name": r.name,
            "email": r.email,
            "organisation_id": organisations[r.organisation],
            "site_id": sites[r.site],
            "role_title": r.role_title,
            "level": int(r.level),
            "manager_external_id": r.manager_id,
        }
        for r in people.itertuples()
    ]
    upsert_people(session, review_id, records)
    return person_ids(session, review_id)


def crafted_wave(
    forms: list[tuple[str, str, str, int | np.ndarray]],
    sites: dict[str, str] | None = None,
) -> WaveData:
    """A wave from ``(ratee, rater, relation, answers)`` rows, without a database.

    ``answers`` is one scale point for every item, or a full int8 vector in framework item
    order. Everyone named is a person of one organisation; ``sites`` gives some their site
    (the rest are at "North").
    """
    framework = default_framework()
    ids = sorted({p for ratee, rater, _, _ in forms for p in (ratee, rater)})
    where = sites or {}
    people = pd.DataFrame(
        {
            "person_id": ids,
            "name": ids,
            "organisation": "Org",
            "organisation_role": "client",
            "site": [where.get(p, "North") for p in ids],
            "level": 3,
            "manager_id": None,
        }
    )
    keys = pd.DataFrame([f[:3] for f in forms], columns=["ratee_id", "rater_id", "relation"])
    n_items = len(framework.item_ids)
    values = np.array(
        [np.full(n_items, a, dtype=np.int8) if np.isscalar(a) else a for *_, a in forms],
        dtype=np.int8,
    ).reshape(len(forms), n_items)
    return WaveData(
        review="crafted",
        wave="w",
        framework=framework,
        people=people,
        assignments=keys.assign(completed=True),
        responses=keys,
        values=values,
    )


def small_simulation(seed: int = 11) -> SimulatedReview:
    return simulate(default_framework(), size="small", seed=seed)


def wave_data(simulated: SimulatedReview, wave_index: int = 0) -> WaveData:
    """The analysis input for one simulated wave, built without a database."""
    return simulated_wave_data(simulated, wave_index, default_framework())


def stored_wave(url: str, review: str, *, published_only: bool = False) -> WaveData:
    """The latest wave of a stored review with every submitted form (the store's view;
    ``published_only`` gives what the analysis reads)."""
    from colead.store import make_engine, transaction
    from colead.store.reviews import get_review, load_framework_version
    from colead.store.waves import get_wave, load_wave_data

    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            target = get_review(session, review)
            wave = get_wave(session, target)
            framework = load_framework_version(session, wave.framework_version_id)
            return load_wave_data(session, target, wave, framework, published_only=published_only)
    finally:
        engine.dispose()


def stored_forms(
    url: str, review: str
) -> list[tuple[str, str, str, bytes, bool, str | None, str | None]]:
    """Every stored form of a review, drafts included: ratee id, rater id, relation, packed
    answers, submitted or not, and both comments."""
    from sqlalchemy import select

    from colead.store import make_engine
    from colead.store.schema import Assignment, Person, Response, Review, Wave

    engine = make_engine(url)
    ratee, rater = Person.__table__.alias(), Person.__table__.alias()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    ratee.c.external_id,
                    rater.c.external_id,
                    Assignment.relation,
                    Response.item_values,
                    Response.submitted_at.is_not(None),
                    Response.comment_strengths,
                    Response.comment_suggestions,
                )
                .join(Response, Response.assignment_id == Assignment.id)
                .join(ratee, ratee.c.id == Assignment.ratee_id)
                .join(rater, rater.c.id == Assignment.rater_id)
                .join(Wave, Wave.id == Assignment.wave_id)
                .join(Review, Review.id == Wave.review_id)
                .where(Review.name == review)
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2], bytes(r[3]), bool(r[4]), r[5], r[6]) for r in rows]


def store_files_review(
    url: str,
    folder: Path,
    review: str,
    extra_people: list[dict[str, object]],
    forms: list[tuple[str, str, str]],
) -> None:
    """A review built through the import job: the standard people plus ``extra_people``,
    the nominations ``forms`` (ratee, rater, relation) in wave "baseline", and C2's self
    form answered (4 on every item) and so submitted."""
    from colead.ingest.importing import import_file

    folder.mkdir(parents=True, exist_ok=True)
    people_frame(extra_people).to_csv(folder / "people.csv", index=False)
    nominations = pd.DataFrame(forms, columns=["ratee_id", "rater_id", "relation"])
    nominations.assign(wave="baseline").to_csv(folder / "nominations.csv", index=False)
    items = {item: 4 for item in default_framework().item_ids}
    answers = {"wave": "baseline", "ratee_id": "C2", "rater_id": "C2", "relation": "self"}
    pd.DataFrame([{**answers, **items}]).to_csv(folder / "responses.csv", index=False)
    for kind in ("people", "nominations", "responses"):
        wave = None if kind == "people" else "baseline"
        outcome = import_file(url, kind, folder / f"{kind}.csv", review=review, wave=wave)
        assert outcome.rejected == 0, outcome.problems


def close_stored_wave(url: str, review: str, wave: str, minimum: int = 3) -> None:
    """Close a stored wave, which publishes its answers (results show released forms)."""
    from colead.fieldwork.lifecycle import close_wave
    from colead.store import make_engine, transaction

    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            close_wave(session, review, wave, minimum=minimum, actor="test")
    finally:
        engine.dispose()
